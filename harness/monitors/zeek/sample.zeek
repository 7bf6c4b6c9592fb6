# A local.zeek for harness suites (monitor: zeek, config: this file).
# harness runs: zeek -C -r <pcap> <this file> -e 'redef tcp_inactivity_timeout = ...;'
# The -e redefs of the swept setting are parsed after this file, so they win for the three idle timeouts;
# everything else here (extra scripts, JSON logs, other knobs) is kept. The parser reads TSV and JSON alike.

# Log the VLAN id in conn.log (adds the `vlan` and `inner_vlan` fields).
@load policy/protocols/conn/vlan-logging

# Uncomment for JSON conn.log lines.
# redef LogAscii::use_json = T;

# Idle timeouts (defaults from init-bare.zeek: 5 min, 1 min, 1 min; 0 disables).
redef tcp_inactivity_timeout = 1 hr;
redef udp_inactivity_timeout = 10 min;
redef icmp_inactivity_timeout = 10 min;

# DNS-over-UDP connections are expired after this, whatever udp_inactivity_timeout says.
redef dns_session_timeout = 10 sec;
