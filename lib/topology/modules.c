// SPDX-License-Identifier: LGPL-2.1-or-later
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <libkmod.h>

#include <daxpin/topology.h>

#include "core/private.h"

/*
 * An empty topology has two very different causes: no persistent memory,
 * or a driver that is not loaded. Only the kernel's module state tells them
 * apart. Without the module index (/lib/modules/$(uname -r) absent, as in
 * many containers and minimal VMs) a built-in driver without parameters
 * looks exactly like one never loaded: then the state is unknown, and
 * nothing is named as missing.
 */
DAXPIN_EXPORT const char *daxpin_missing_module(struct daxpin_ctx *ctx)
{
	static const char *const needed[] = { "libnvdimm", "nd_pmem", "dax_pmem",
					      "device_dax" };
	struct kmod_ctx *kmod = kmod_new(NULL, NULL);
	const char *missing = NULL;

	char index[PATH_MAX];

	if (!kmod)
		return NULL;
	snprintf(index, sizeof(index), "%s/modules.builtin.bin", kmod_get_dirname(kmod));
	if (access(index, R_OK) < 0) {
		dbg(ctx, "no %s: module state unknown\n", index);
		kmod_unref(kmod);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]) && !missing; i++) {
		struct kmod_module *mod;
		int state;

		if (kmod_module_new_from_name(kmod, needed[i], &mod) < 0)
			continue;
		state = kmod_module_get_initstate(mod);
		if (state != KMOD_MODULE_LIVE && state != KMOD_MODULE_BUILTIN &&
		    state != KMOD_MODULE_COMING) {
			dbg(ctx, "module %s: state %d\n", needed[i], state);
			missing = needed[i];
		}
		kmod_module_unref(mod);
	}
	kmod_unref(kmod);
	return missing;
}
