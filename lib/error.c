/* SPDX-License-Identifier: BSD-3-Clause */
/* Maps libicmpkit error codes to text. */
#include <string.h>

#include "icmpkit/error.h"

const char *ik_strerror(int code)
{
	if (code <= IK_ERR_SYS_BASE)
		return strerror(ik_err_errno(code));
	switch (code) {
	case IK_OK: return "success";
	case IK_ERR_TRUNCATED: return "truncated";
	case IK_ERR_BAD_LENGTH: return "bad length field";
	case IK_ERR_BAD_CHECKSUM: return "bad checksum";
	case IK_ERR_UNSUPPORTED: return "unsupported";
	case IK_ERR_NOSPACE: return "output buffer too small";
	case IK_ERR_INVALID: return "invalid argument";
	case IK_ERR_NOT_FOUND: return "not found";
	case IK_ERR_SYNTAX: return "syntax error";
	default: return "unknown error";
	}
}

const char *ik_errname(int code)
{
	if (code <= IK_ERR_SYS_BASE)
		return "SYSTEM";
	switch (code) {
	case IK_OK: return "OK";
	case IK_ERR_TRUNCATED: return "TRUNCATED";
	case IK_ERR_BAD_LENGTH: return "BAD_LENGTH";
	case IK_ERR_BAD_CHECKSUM: return "BAD_CHECKSUM";
	case IK_ERR_UNSUPPORTED: return "UNSUPPORTED";
	case IK_ERR_NOSPACE: return "NOSPACE";
	case IK_ERR_INVALID: return "INVALID";
	case IK_ERR_NOT_FOUND: return "NOT_FOUND";
	case IK_ERR_SYNTAX: return "SYNTAX";
	default: return "UNKNOWN";
	}
}
