# site policy
redef tcp_inactivity_timeout = 3600;
