/*
 * internal.h: included first by every library source file. It sets the
 * POSIX feature level once and pulls in the public core header.
 */
#ifndef EA_INTERNAL_H
#define EA_INTERNAL_H

#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <emauth/emauth.h>

#define EA_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define EA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EA_PRINTF(f, a)
#endif

#endif
