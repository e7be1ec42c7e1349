/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until implemented (issue 2). */
#include "icmpkit/icmpkit.h"
