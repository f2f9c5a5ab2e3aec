/*
 * row.c: a verdict as the store records it (struct emauth_report_row).
 */
#include "common/internal.h"

#include <string.h>

#include "common/span.h"
#include "report/report.h"

/* The domain of an address ("" when it has none). */
static void
domain_of(const char *addr, char *out, size_t size)
{
	out[0] = '\0';
	if (addr == NULL)
		return;
	size_t l = strlen(addr);
	if (l >= 2 && addr[0] == '<' && addr[l - 1] == '>') {
		addr++;
		l -= 2;
	}
	const char *at = NULL;
	for (size_t i = l; i > 0 && at == NULL; i--)
		if (addr[i - 1] == '@')
			at = addr + i - 1;
	if (at == NULL)
		return;
	size_t dl = l - (size_t)(at + 1 - addr);
	if (dl >= size)
		dl = size - 1;
	for (size_t i = 0; i < dl; i++)
		out[i] = (char)ea_lower((uint8_t)at[1 + i]);
	out[dl] = '\0';
}

EMAUTH_API int
emauth_report_row_from_verdict(const struct emauth_verdict *v,
    const struct emauth_report_env *env, struct emauth_report_row *out)
{
	memset(out, 0, sizeof(*out));
	if (!v->have_dmarc && v->from_problem == NULL)
		return EMAUTH_EINVAL;
	out->time = env->time;
	if (env->ip)
		ea_copy_str(out->ip, sizeof(out->ip), env->ip);
	ea_copy_str(out->header_from, sizeof(out->header_from), v->from_domain);
	domain_of(
	    env->mail_from, out->envelope_from, sizeof(out->envelope_from));
	domain_of(env->rcpt_to, out->envelope_to, sizeof(out->envelope_to));
	if (v->have_spf) {
		ea_copy_str(
		    out->spf_domain, sizeof(out->spf_domain), v->spf.domain);
		ea_copy_str(out->spf_scope, sizeof(out->spf_scope),
		    v->spf.identity == EMAUTH_SPF_HELO ? "helo" : "mfrom");
		out->spf_result = v->spf.result;
	}
	out->dkim_total = (unsigned)v->dkim_total;
	for (size_t i = 0; i < v->ndkim && out->ndkim < EMAUTH_REPORT_DKIM_MAX;
	     i++) {
		struct emauth_report_dkim *d = &out->dkim[out->ndkim++];
		ea_copy_str(d->domain, sizeof(d->domain), v->dkim[i].domain);
		ea_copy_str(
		    d->selector, sizeof(d->selector), v->dkim[i].selector);
		d->result = v->dkim[i].result;
	}
	out->dmarc = emauth_verdict_dmarc(v);
	out->adkim = out->aspf = 'r';
	out->psd = 'u';
	if (v->have_dmarc) {
		const struct emauth_dmarc_discovery *d = &v->dmarc.d;
		const struct emauth_dmarc_record *r = &d->record;
		ea_copy_str(out->policy_domain, sizeof(out->policy_domain),
		    d->policy_domain);
		if (d->policy_domain[0] && r->valid) {
			out->p = r->p;
			out->sp = r->sp;
			out->np = r->np;
			out->adkim = r->adkim_strict ? 's' : 'r';
			out->aspf = r->aspf_strict ? 's' : 'r';
			out->testing = r->testing;
			out->psd = r->psd ? r->psd : 'u';
			ea_copy_str(out->rua, sizeof(out->rua), r->rua);
			ea_copy_str(out->ruf, sizeof(out->ruf), r->ruf);
			ea_copy_str(out->fo, sizeof(out->fo), r->fo);
		}
		out->dkim_aligned = v->dmarc.dkim_aligned;
		out->spf_aligned = v->dmarc.spf_aligned;
		out->disposition = v->dmarc.result == EMAUTH_RES_FAIL
		                       ? v->dmarc.disposition
		                       : EMAUTH_DMARC_NONE;
		/* t=y lowered the policy (reported as RFC 9990's
		 * policy_test_mode). */
		if (v->dmarc.result == EMAUTH_RES_FAIL && r->testing &&
		    v->dmarc.disposition != v->dmarc.d.policy)
			ea_copy_str(out->override_type,
			    sizeof(out->override_type), "policy_test_mode");
	} else {
		/* A From problem: permerror, rejected (fail safe). */
		out->disposition = EMAUTH_DMARC_REJECT;
	}
	ea_copy_str(out->discovery, sizeof(out->discovery),
	    env->mode == EMAUTH_DMARC_RFC7489 ? "psl" : "treewalk");
	if (out->disposition == EMAUTH_DMARC_UNSET)
		out->disposition = EMAUTH_DMARC_NONE;
	if (env->applied != EMAUTH_DMARC_UNSET &&
	    env->applied != out->disposition) {
		out->disposition = env->applied;
		ea_copy_str(out->override_type, sizeof(out->override_type),
		    env->override_type ? env->override_type : "local_policy");
	} else if (env->override_type) {
		ea_copy_str(out->override_type, sizeof(out->override_type),
		    env->override_type);
	}
	if (env->override_comment)
		ea_copy_str(out->override_comment,
		    sizeof(out->override_comment), env->override_comment);
	return 0;
}
