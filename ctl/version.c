// SPDX-License-Identifier: GPL-2.0
/*
 * The version of segctl and segd, from the tree's VERSION (the Makefile
 * passes it), and segctl --version: its own, the loaded module's, and
 * whether they differ.
 *
 * Only --version compares them.  Other commands do not ask the module
 * its version: a tool and a module of different versions meet at every
 * upgrade, until the module is reloaded, and work together as long as
 * the netlink contract holds, which the kernel's strict validation
 * enforces with an error naming what it does not know.
 */
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

const char segfilter_version[] = SEGFILTER_VERSION;

int segctl_version(void)
{
	char module[64] = "";
	uint32_t protocol = 0;
	int ret;

	ret = sfnl_module_version(module, sizeof(module), &protocol);
	open_json_object(NULL);
	print_string(PRINT_ANY, "segctl", "segctl %s\n", segfilter_version);
	if (ret == 1) {
		/* No answer, for a reason printed: segctl's version only. */
		close_json_object();
		return 1;
	}
	if (!ret) {
		print_string(PRINT_ANY, "module", "segfilter module %s",
			     module);
		print_uint(PRINT_ANY, "protocol", " (netlink protocol %u)\n",
			   protocol);
	} else if (ret == 2) {
		print_bool(PRINT_JSON, "module_loaded", NULL, false);
		print_text("segfilter module: not loaded\n");
	} else {
		print_string(PRINT_ANY, "module", "segfilter module %s\n",
			     "unknown");
	}
	close_json_object();
	if (ret == 2) {
		fputs("segctl: the segfilter module is not loaded\n", stderr);
		sfnl_print_load_hint();
	} else if (ret == 3) {
		fprintf(stderr,
			"segctl: warning: the loaded segfilter module does not tell its version (it predates info-get): it is not segctl's %s\n",
			segfilter_version);
	} else if (strcmp(module, segfilter_version))
		fprintf(stderr,
			"segctl: warning: segctl %s and the loaded segfilter module %s differ\n",
			segfilter_version, module);
	return 0;
}
