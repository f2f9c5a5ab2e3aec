/*
 * web.h: the read-only DMARC report dashboard ("emauth report serve").
 *
 * emauth_web_serve() serves what the verdict store holds of the imported
 * reports (report.h) over HTTP until told to stop: per policy domain the
 * volume and DMARC pass rate per day (charts the server draws as inline
 * SVG), the sources with their advice and the report records behind each,
 * the readiness for p=reject, the failure reports, the SMTP TLS report
 * failures and the list of imported reports with their warnings; every
 * table also as CSV and JSON. The pages are rendered on the server, hold
 * no script and load nothing from anywhere (a Content-Security-Policy says
 * so); every value from a report is escaped.
 *
 * It listens on loopback unless told otherwise; any other address needs a
 * token, which every request must then carry ("Authorization: Bearer
 * TOKEN" or "?token=TOKEN").
 *
 * The dashboard (src/web/, on libmicrohttpd) reads the store through the
 * public report API only.
 */
#ifndef EMAUTH_WEB_H
#define EMAUTH_WEB_H

#include <signal.h>

#include <emauth/emauth.h>
#include <emauth/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The listening address when none is given. */
#define EMAUTH_WEB_LISTEN_DEFAULT "127.0.0.1:8080"
/* The shortest token accepted, in bytes. */
#define EMAUTH_WEB_TOKEN_MIN 16
/* The longest token accepted, in bytes. */
#define EMAUTH_WEB_TOKEN_MAX 256

struct emauth_web_opts {
	/* The store to read; borrowed, used from the server's thread only
	 * while emauth_web_serve() runs. */
	struct emauth_store *store;
	/* "IPV4:PORT" or "[IPV6]:PORT" (numeric addresses only; port 0
	 * takes a free one); NULL for EMAUTH_WEB_LISTEN_DEFAULT. */
	const char *listen;
	/* The secret every request must carry, or NULL for none; required
	 * when @listen is not a loopback address. EMAUTH_WEB_TOKEN_MIN to
	 * EMAUTH_WEB_TOKEN_MAX bytes of visible ASCII. */
	const char *token;
	/* The senders map, the context for reverse DNS and base domains,
	 * and whether to look nothing up, as in struct emauth_summary_opts
	 * (borrowed). */
	struct emauth_span senders;
	struct emauth_ctx *ctx;
	int no_lookup;
	/* Serving stops soon after *@stop becomes nonzero (a signal
	 * handler's flag). Required. */
	volatile sig_atomic_t *stop;
	/* One line per request, and "listening on URL" once the socket is
	 * bound; called from the server's thread. NULL: nothing is logged. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/**
 * Serves the dashboard of @o->store on @o->listen until *@o->stop.
 * @param err OUT: on failure, why (for people).
 * @return 0 (stopped), EMAUTH_EINVAL (a bad address or token, or a
 *         non-loopback address without a token: see @err), EMAUTH_EIO
 *         (cannot listen there: see @err), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_web_serve(
    const struct emauth_web_opts *o, char *err, size_t errsize);

#ifdef __cplusplus
}
#endif

#endif
