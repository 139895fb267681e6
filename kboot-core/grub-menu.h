/* What grub-menu.c records while the script runs and grub-menu-read.c
 * reads out. Internal to the GRUB reader. */
#pragma once
#include "grub.h"

enum item_kind { ITEM_ENTRY, ITEM_SUBMENU, ITEM_BLS, ITEM_MENU };

struct grub_item {
	enum item_kind kind;
	char *title, *id;
	struct grub_argv args; /* the body's $1 $2…: the title, then the other words */
	const struct grub_node *body;
	const char *file;
	struct kb_entry bls;
	struct grub_menu *menu; /* ITEM_MENU: what a configfile listed */
};

struct grub_menu {
	struct grub_item *v;
	size_t n, cap;
	struct kb_grubenv env; /* the context's variables once its script ran */
};

void grub_menu_free(struct grub_menu *m);
