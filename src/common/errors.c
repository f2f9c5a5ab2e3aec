/*
 * errors.c: status texts and names, generated from errors.def, and the
 * verdict words and diagnostic formatting shared by every protocol.
 */
#include "internal.h"

#include <stdio.h>

const char *
emauth_strerror(int status)
{
	switch (status) {
#define EMAUTH_ERR(name, value, text)                                          \
	case (value):                                                          \
		return text;
#include <emauth/errors.def>
#undef EMAUTH_ERR
	}
	return "unknown status";
}

const char *
emauth_errname(int status)
{
	switch (status) {
#define EMAUTH_ERR(name, value, text)                                          \
	case (value):                                                          \
		return "EMAUTH_E" #name;
#include <emauth/errors.def>
#undef EMAUTH_ERR
	}
	return "EMAUTH_E?";
}

const char *
emauth_result_name(enum emauth_result r)
{
	switch (r) {
	case EMAUTH_RES_NONE:
		return "none";
	case EMAUTH_RES_PASS:
		return "pass";
	case EMAUTH_RES_FAIL:
		return "fail";
	case EMAUTH_RES_SOFTFAIL:
		return "softfail";
	case EMAUTH_RES_NEUTRAL:
		return "neutral";
	case EMAUTH_RES_TEMPERROR:
		return "temperror";
	case EMAUTH_RES_PERMERROR:
		return "permerror";
	case EMAUTH_RES_POLICY:
		return "policy";
	}
	return "unknown";
}

const char *
emauth_diag_format(const struct emauth_diag *d, char *buf, size_t size)
{
	if (d->excerpt[0])
		snprintf(buf, size, "%s:%zu: %s: \"%s\"", d->where, d->offset,
		    d->msg ? d->msg : emauth_strerror(d->code), d->excerpt);
	else
		snprintf(buf, size, "%s:%zu: %s", d->where, d->offset,
		    d->msg ? d->msg : emauth_strerror(d->code));
	return buf;
}

const char *
emauth_version(void)
{
	return EMAUTH_VERSION;
}
