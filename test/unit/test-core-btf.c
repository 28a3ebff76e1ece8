// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CO-RE subset (lib/core/core_btf.c) of a made-up kernel BTF, for the
 * daxpin BPF object's relocations: what it keeps, what it leaves out, the
 * iterator targets it notes, and the whole BTF where it cannot make one.
 * test/vm/helpers/core-btf-check compares it with libbpf on real kernels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/btf.h>
#include <bpf/btf.h>

#include <daxpin/daxpin.h>

#include "core/core_btf.h"
#include "core/daxpin_skel.h"

struct kernel {
	char path[64];
	int bpf_iter_task;	/* the FUNC's id */
};

/* raw BTF into a file of its own */
static void write_kernel(struct kernel *k, const void *raw, size_t size)
{
	int fd;

	snprintf(k->path, sizeof(k->path), "/tmp/daxpin-core-btf-XXXXXX");
	fd = mkstemp(k->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, raw, size), (ssize_t)size);
	close(fd);
}

/*
 * struct page { unsigned long compound_head; union { struct { void *mapping;
 * unsigned long index; }; unsigned long pp_magic; }; atomic_t _refcount;
 * int no_daxpin_member; }, enum pageflags, struct unrelated, and the
 * FUNC bpf_iter_task.
 */
static void make_kernel(struct kernel *k)
{
	struct btf *b = btf__new_empty();
	int ulong, sint, asp, ptr, inner, uni, atomic, atomic_t, page, proto;
	const void *raw;
	__u32 size;

	ulong = btf__add_int(b, "long unsigned int", 8, 0);
	sint = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	asp = btf__add_struct(b, "address_space", 8);
	btf__add_field(b, "host", ulong, 0, 0);
	ptr = btf__add_ptr(b, asp);
	inner = btf__add_struct(b, NULL, 16);
	btf__add_field(b, "mapping", ptr, 0, 0);
	btf__add_field(b, "index", ulong, 64, 0);
	uni = btf__add_union(b, NULL, 16);
	btf__add_field(b, NULL, inner, 0, 0);
	btf__add_field(b, "pp_magic", ulong, 0, 0);
	atomic = btf__add_struct(b, NULL, 4);
	btf__add_field(b, "counter", sint, 0, 0);
	atomic_t = btf__add_typedef(b, "atomic_t", atomic);
	page = btf__add_struct(b, "page", 64);
	btf__add_field(b, "compound_head", ulong, 0, 0);
	btf__add_field(b, NULL, uni, 64, 0);
	btf__add_field(b, "_refcount", atomic_t, 192, 0);
	btf__add_field(b, "no_daxpin_member", sint, 224, 0);
	assert_true(page > 0);
	btf__add_enum(b, "pageflags", 4);
	btf__add_enum_value(b, "PG_locked", 0);
	btf__add_enum_value(b, "PG_head", 6);
	btf__add_struct(b, "unrelated", 4);
	btf__add_field(b, "flags", sint, 0, 0);
	proto = btf__add_func_proto(b, sint);
	k->bpf_iter_task = btf__add_func(b, "bpf_iter_task", BTF_FUNC_GLOBAL, proto);
	raw = btf__raw_data(b, &size);
	write_kernel(k, raw, size);
	btf__free(b);
}

static struct btf *subset_of(const char *kernel, struct core_btf *cb, struct daxpin_ctx *ctx)
{
	size_t size;
	const void *elf = daxpin__elf_bytes(&size);

	core_btf_init(cb, elf, size);
	assert_true(cb->fd >= 0);
	assert_int_equal(core_btf_fill(ctx, cb, kernel), 0);
	return btf__parse_raw(core_btf_path(cb));
}

static const struct btf_member *member(const struct btf *b, const struct btf_type *t,
				       const char *name)
{
	for (int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(b, btf_members(t)[i].name_off), name))
			return &btf_members(t)[i];
	return NULL;
}

static void keeps_what_relocations_reach(void **state)
{
	struct daxpin_ctx *ctx = *state;
	const struct btf_type *page, *uni, *inner, *ptr, *e;
	const struct btf_member *m;
	struct core_btf cb;
	struct kernel k;
	struct btf *sub;
	int id;

	make_kernel(&k);
	sub = subset_of(k.path, &cb, ctx);
	assert_non_null(sub);
	assert_true(cb.subset);

	id = btf__find_by_name_kind(sub, "page", BTF_KIND_STRUCT);
	assert_true(id > 0);
	page = btf__type_by_id(sub, id);
	assert_int_equal(page->size, 64);
	assert_non_null(member(sub, page, "compound_head"));
	m = member(sub, page, "_refcount");
	assert_non_null(m);
	assert_int_equal(btf_member_bit_offset(page, m - btf_members(page)), 192);
	/* the typedef is looked through, to the struct with counter */
	assert_non_null(member(sub, btf__type_by_id(sub, m->type), "counter"));
	/* a member the object never names is left out */
	assert_null(member(sub, page, "no_daxpin_member"));

	/* the anonymous union, and the anonymous struct in it, kept whole enough */
	m = member(sub, page, "");
	assert_non_null(m);
	uni = btf__type_by_id(sub, m->type);
	assert_true(btf_is_union(uni));
	m = member(sub, uni, "");
	assert_non_null(m);
	inner = btf__type_by_id(sub, m->type);
	m = member(sub, inner, "index");
	assert_non_null(m);
	assert_int_equal(btf_member_bit_offset(inner, m - btf_members(inner)), 64);
	/* a pointer is only a pointer: the pointee is a root of its own */
	m = member(sub, inner, "mapping");
	assert_non_null(m);
	ptr = btf__type_by_id(sub, m->type);
	assert_true(btf_is_ptr(ptr));
	assert_int_equal(ptr->type, 0);
	assert_true(btf__find_by_name_kind(sub, "address_space", BTF_KIND_STRUCT) > 0);

	id = btf__find_by_name_kind(sub, "pageflags", BTF_KIND_ENUM);
	assert_true(id > 0);
	e = btf__type_by_id(sub, id);
	assert_int_equal(btf_vlen(e), 2);
	assert_int_equal(btf_enum(e)[1].val, 6);

	/* a type the object does not name stays out */
	assert_true(btf__find_by_name_kind(sub, "unrelated", BTF_KIND_STRUCT) < 0);
	/* the iterator target, by its id in the kernel's BTF */
	assert_int_equal(core_btf_func_id(&cb, "bpf_iter_task"), k.bpf_iter_task);
	assert_int_equal(core_btf_func_id(&cb, "bpf_iter_nothing"), -ENOENT);

	btf__free(sub);
	core_btf_release(&cb);
	unlink(k.path);
}

/* a kind this code does not know: libbpf gets the kernel's BTF whole */
static void unknown_kind_hands_over_the_whole_btf(void **state)
{
	struct daxpin_ctx *ctx = *state;
	struct btf *b = btf__new_empty();
	struct core_btf cb;
	struct kernel k;
	const void *raw;
	char *copy, back[4096];
	const void *elf;
	size_t elf_size;
	__u32 size;
	ssize_t n;
	int fd, id;

	id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	assert_true(id > 0);
	raw = btf__raw_data(b, &size);
	copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, raw, size);
	/* the int's info word: kind 31 */
	{
		struct btf_header *h = (struct btf_header *)copy;
		struct btf_type *t = (struct btf_type *)(copy + h->hdr_len + h->type_off);

		t->info = 31u << 24;
	}
	write_kernel(&k, copy, size);
	elf = daxpin__elf_bytes(&elf_size);
	core_btf_init(&cb, elf, elf_size);
	assert_int_equal(core_btf_fill(ctx, &cb, k.path), 0);
	assert_false(cb.subset);
	fd = open(core_btf_path(&cb), O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, back, sizeof(back));
	close(fd);
	assert_int_equal(n, (ssize_t)size);
	assert_memory_equal(back, copy, size);
	core_btf_release(&cb);
	unlink(k.path);
	free(copy);
	btf__free(b);
}

/*
 * No BTF where daxpin reads it: the kernel's from where libbpf finds one,
 * whole (this machine's own, /sys/kernel/btf/vmlinux), or libbpf's error
 * where the machine has none.
 */
static void missing_btf_falls_back_to_libbpf(void **state)
{
	struct daxpin_ctx *ctx = *state;
	struct core_btf cb;
	struct stat kernel, sub;
	const void *elf;
	size_t elf_size;
	int rc;

	elf = daxpin__elf_bytes(&elf_size);
	core_btf_init(&cb, elf, elf_size);
	rc = core_btf_fill(ctx, &cb, "/nonexistent/vmlinux");
	assert_false(cb.subset);
	if (stat("/sys/kernel/btf/vmlinux", &kernel) == 0) {
		assert_int_equal(rc, 0);
		assert_int_equal(fstat(cb.fd, &sub), 0);
		assert_int_equal(sub.st_size, kernel.st_size);
	} else {
		assert_true(rc < 0);
	}
	core_btf_release(&cb);
}

static int setup(void **state)
{
	struct daxpin_ctx *ctx;

	if (daxpin_new(&ctx))
		return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	daxpin_unref(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keeps_what_relocations_reach),
		cmocka_unit_test(unknown_kind_hands_over_the_whole_btf),
		cmocka_unit_test(missing_btf_falls_back_to_libbpf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
