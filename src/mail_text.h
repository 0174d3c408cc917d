/*
 * mail_text.h - the text of alert mail: subject, body, the whole RFC 5322
 * message, its date, and the rate limit.  Pure functions, used by the
 * mailer process and tested on their own.
 */
#ifndef SCANDETD_MAIL_TEXT_H
#define SCANDETD_MAIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mail_wire.h"

/* Largest message we compose. */
#define MAIL_MAX_BYTES		65536
/* MailRateLimit counts messages in a sliding window of this length. */
#define MAIL_RATE_WINDOW_MS	60000ULL
/* Highest MailRateLimit (the parser's bound). */
#define MAIL_RATE_MAX		1000

/* ---- bounded text ------------------------------------------------------ */

/* Appends never overflow; what does not fit is cut.  buf is kept
 * NUL-terminated. */
struct tbuf {
	char *buf;
	size_t len, used;
};

void tb_add(struct tbuf *t, const char *s, size_t n);
void tb_printf(struct tbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- subject, body, message -------------------------------------------- */

/* MailSubject with %p (TCP, UDP), %s (source address), %d (destination
 * address), %% expanded; " (ended)" after it for a scan's summary
 * (ALERT_SCAN_END); cut to fit outlen.  Not yet safe for a header:
 * mail_build() cleans it. */
void mail_subject_expand(const char *tmpl, const struct mail_event *ev,
			 char *out, size_t outlen);

/* The body of a message about one alert, LF line ends: the log line, for
 * a scan (or its end) a few sentences saying what it was so far (in all),
 * then one "Label: value" line per detail. */
void mail_body_alert(const struct mail_event *ev, char *buf, size_t len);

struct mail_header_info {
	const char *from;
	char *const *rcpt;
	size_t nrcpt;
	const char *subject;		/* any bytes: cleaned and encoded */
	const char *message_id;		/* "<...>" */
	time_t date;
};

/*
 * A whole RFC 5322 message: headers (control characters in values become
 * blanks, a non-ASCII subject is RFC 2047 encoded, long headers folded),
 * a blank line, the body with CRLF line ends and no line over 998 bytes.
 * malloc'd, NUL-terminated, length in *len; NULL when out of memory or
 * longer than MAIL_MAX_BYTES.
 */
char *mail_build(const struct mail_header_info *h, const char *body,
		 size_t *len);

/* "Thu, 26 Nov 2026 23:19:21 +0000" (English names, UTC). */
void mail_format_date(time_t t, char *buf, size_t len);

/* ---- the rate limit ------------------------------------------------- */

struct mail_rate {
	uint64_t sent_ms[MAIL_RATE_MAX];	/* ring of the latest sends */
	unsigned limit, head, n;
};

void mail_rate_init(struct mail_rate *r, unsigned limit);
/* May a message leave at now_ms? */
bool mail_rate_allow(const struct mail_rate *r, uint64_t now_ms);
void mail_rate_record(struct mail_rate *r, uint64_t now_ms);
/* When the next message may leave (now_ms if it may now). */
uint64_t mail_rate_next(const struct mail_rate *r, uint64_t now_ms);

#endif
