// SPDX-License-Identifier: BSD-3-Clause
/*
 * strerror.c - text for the codes libhpcap returns.
 */
#include "libhpcap.h"

#include <string.h>

const char *hpcap_strerror(int code)
{
	switch (code) {
	case HPCAP_ERR_TRUNCATED:
		return "record cut short by end of file";
	case HPCAP_ERR_NOPAD:
		return "file ends without its closing padding record";
	case HPCAP_ERR_FORMAT:
		return "input is not in the expected format";
	case HPCAP_ERR_TOOBIG:
		return "frame or stream too big for the file size";
	default:
		return code < 0 ? strerror(-code) : "success";
	}
}
