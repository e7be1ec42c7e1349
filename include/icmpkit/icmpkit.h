/* SPDX-License-Identifier: BSD-3-Clause */
/* The whole public API of libicmpkit. */
#ifndef ICMPKIT_ICMPKIT_H
#define ICMPKIT_ICMPKIT_H

#include "icmpkit/addr.h"
#include "icmpkit/cksum.h"
#include "icmpkit/clockoff.h"
#include "icmpkit/error.h"
#include "icmpkit/icmp.h"
#include "icmpkit/ip.h"
#include "icmpkit/names.h"
#include "icmpkit/packet.h"
#include "icmpkit/sock.h"
#include "icmpkit/topo.h"

#define IK_VERSION "0.1.0"

#endif
