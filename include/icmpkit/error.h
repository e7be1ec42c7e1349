/* SPDX-License-Identifier: BSD-3-Clause */
/* Error codes shared by every libicmpkit function. */
#ifndef ICMPKIT_ERROR_H
#define ICMPKIT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define IK_WUR __attribute__((warn_unused_result))

/*
 * Library functions return 0 (or a non-negative length) on success and one of
 * these negative codes on failure. A system error is returned as
 * IK_ERR_SYS_BASE - errno so the errno survives; ik_err_errno() recovers it.
 */
enum ik_err {
	IK_OK = 0,
	IK_ERR_TRUNCATED = -1,    /* input ended before a field it must hold */
	IK_ERR_BAD_LENGTH = -2,   /* a length field disagrees with the data */
	IK_ERR_BAD_CHECKSUM = -3, /* decoded, but the checksum does not verify */
	IK_ERR_UNSUPPORTED = -4,  /* well formed, but not a kind we decode */
	IK_ERR_NOSPACE = -5,      /* caller's output buffer is too small */
	IK_ERR_INVALID = -6,      /* caller passed a value out of range */
	IK_ERR_NOT_FOUND = -7,    /* no such item (topology node, file, ...) */
	IK_ERR_SYNTAX = -8,       /* a text input (config, topology) is malformed */
	IK_ERR_SYS_BASE = -1000,
};

/* Wraps errno into a library error code. */
static inline int ik_err_sys(int errnum)
{
	return IK_ERR_SYS_BASE - errnum;
}

/* Returns the errno held by a system error code, or 0 for other codes. */
static inline int ik_err_errno(int code)
{
	return code <= IK_ERR_SYS_BASE ? IK_ERR_SYS_BASE - code : 0;
}

/* Returns a static, human-readable text for any code (never NULL). */
const char *ik_strerror(int code);

/* Returns the short machine name of a code, e.g. "TRUNCATED" (never NULL). */
const char *ik_errname(int code);

#ifdef __cplusplus
}
#endif
#endif
