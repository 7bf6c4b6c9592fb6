redef Conn::port_inactivity_timeouts += { [22/tcp] = 2 hrs, [3389/tcp] = 7200 };
