# The team's Zeek site policy, reduced to what matters here: keep quiet TCP sessions alive for an hour, so a C2
# beacon that checks in every ~20 minutes stays one conn.log record instead of one per check-in.
redef tcp_inactivity_timeout = 60 min;
