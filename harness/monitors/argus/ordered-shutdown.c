/*
 * argus 3.0.8.2 (Debian 12) stopped by SIGTERM, SIGINT or SIGHUP on a live interface dies of SIGSEGV about one time
 * in ten (docs/measured/live.md). Its handler only raises ArgusShutDownFlag; the capture thread, seeing the flag in
 * ArgusGetInterfaceStatus, runs the whole shutdown itself (ArgusShutDown -> ArgusComplete: close the output, then
 * free the source tasks, then exit), while the main thread goes on waking every second in ArgusSourceProcess
 * (pthread_cond_timedwait on the source task's condition, gettimeofday into each source's marktime). When it wakes
 * after the free, it writes into unmapped memory: cores show it in __condvar_dec_grefs or gettimeofday while the
 * capture thread is inside free()/munmap. (3.0.8.3 still does this; upstream's "serialize shutdown procedure",
 * openargus/argus 3249998, in the v3.0.8.4 and v5 tags, runs the shutdown from the main thread.)
 *
 * Loaded with LD_PRELOAD, this orders the two threads: a stop signal is only noted when it arrives; the main thread,
 * at its next pthread_cond_timedwait (within a second), releases the lock it holds, calls argus's own handler and
 * then waits for ever without touching argus's memory again. The capture thread's shutdown then runs alone and
 * ends the process with exit(0), after the output is flushed. It says so once on stderr, the run's evidence.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef void (*handler_t)(int);

static handler_t argus_handler[NSIG];
static volatile sig_atomic_t pending;

static int stop_signal(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
}

static void note_stop(int sig)
{
	if (pending == 0) pending = sig;
}

handler_t signal(int sig, handler_t handler)
{
	static handler_t (*real_signal)(int, handler_t);
	if (real_signal == NULL) real_signal = (handler_t (*)(int, handler_t))dlsym(RTLD_NEXT, "signal");
	if (!stop_signal(sig) || handler == SIG_IGN || handler == SIG_DFL || handler == SIG_ERR) return real_signal(sig, handler);
	handler_t previous = argus_handler[sig] != NULL ? argus_handler[sig] : SIG_DFL;
	argus_handler[sig] = handler;
	struct sigaction action;
	memset(&action, 0, sizeof action);
	action.sa_handler = note_stop;
	action.sa_flags = SA_RESTART;
	sigemptyset(&action.sa_mask);
	return sigaction(sig, &action, NULL) == 0 ? previous : SIG_ERR;
}

static int is_main_thread(void)
{
	return syscall(SYS_gettid) == getpid();
}

/* Called with `lock` held, as pthread_cond_timedwait's caller holds it. Never returns. */
static void hand_over_and_park(pthread_mutex_t *lock)
{
	int sig = pending;
	fprintf(stderr, "harness-argus-ordered-shutdown: signal %d handed to argus from its main thread, which then stays out of the shutdown\n", sig);
	fflush(stderr);
	pthread_mutex_unlock(lock);
	if (argus_handler[sig] != NULL) argus_handler[sig](sig);
	for (;;) pause();
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *lock, const struct timespec *deadline)
{
	static int (*real_wait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	if (real_wait == NULL) {
		real_wait = (int (*)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *))dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
		if (real_wait == NULL) real_wait = (int (*)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *))dlsym(RTLD_NEXT, "pthread_cond_timedwait");
	}
	if (pending != 0 && is_main_thread()) hand_over_and_park(lock);
	int result = real_wait(cond, lock, deadline);
	if (pending != 0 && is_main_thread()) hand_over_and_park(lock);
	return result;
}
