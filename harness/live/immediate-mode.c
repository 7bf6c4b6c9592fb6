/*
 * Immediate mode for monitors that open pcap with a buffer timeout that holds packets back on a quiet link
 * (docs/measured/live.md): softflowd 1.1.0 asks for a timeout of 0, which libpcap 1.10 on TPACKET_V3 turns into
 * "hand the packets over when a 256 KiB block is full", so it processes nothing; pmacctd's 1000 ms batches make short
 * timeouts random. Loaded with LD_PRELOAD, this calls pcap_set_immediate_mode(p, 1) just before every
 * pcap_activate (pcap_open_live activates through the same exported symbol), and says so once on stderr so that
 * the run's log proves it was applied.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <pcap/pcap.h>

int pcap_activate(pcap_t *p)
{
	static int (*real_activate)(pcap_t *);
	if (real_activate == NULL) real_activate = (int (*)(pcap_t *))dlsym(RTLD_NEXT, "pcap_activate");
	if (real_activate == NULL) return PCAP_ERROR;
	int set = pcap_set_immediate_mode(p, 1);
	fprintf(stderr, "harness-immediate-mode: pcap_set_immediate_mode(1) %s\n", set == 0 ? "applied" : "refused");
	return real_activate(p);
}
