redef tcp_inactivity_timeout = 1 hr
