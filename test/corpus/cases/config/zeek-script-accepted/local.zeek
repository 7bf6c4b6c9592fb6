##! A site policy as teams write them.
@load base/protocols/conn
@load policy/protocols/conn/vlan-logging
@if ( Version::at_least("6.0") ||
      Version::at_least("5.2") )
redef LogAscii::use_json = F;
@endif

module Site;

export {
	const watched: set[port] = { 22/tcp, 3389/tcp } &redef;
	global odd = /x#y/ &redef;
}

redef Conn::analyzer_inactivity_timeouts += { [Analyzer::ANALYZER_SSH] = 2 hrs };
redef tcp_inactivity_timeout = 60 min;   # C2 sessions check in every ~20 min
redef udp_inactivity_timeout = 60 min;

event zeek_init() &priority=5
	{
	print "site policy # loaded", |watched|;
	}

hook Notice::policy(n: Notice::Info)
	{
	if ( n$note == Weird::Activity )
		break;
	}
