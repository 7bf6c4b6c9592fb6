redef tcp_inactivity_timeout = 1 hr;
redef udp_inactivity_timeout = 1 hour;
