// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's types a BPF object's CO-RE relocations reach, as a BTF of
 * their own (lib/core/core_btf.h): the kernel's BTF read and indexed in
 * one pass, the object's types found by name in it, and the part of each
 * that libbpf's relocation looks at copied with libbpf's BTF writer.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/btf.h>
#include <bpf/btf.h>

#include "core_btf.h"
#include "private.h"

/* The kernel's BTF, raw, with each type's offset by id. */
struct kernel_btf {
	const char *data;
	size_t size;
	bool mapped;
	const char *types;
	const char *strs;
	uint32_t strs_len;
	uint32_t *offs;	/* by type id; [0], void, unused */
	uint32_t nr;	/* type ids, void included */
};

/* Names by FNV-1a, open addressing: the object's type and member names. */
#define NAME_SLOTS 1024

struct name_set {
	const char *names[NAME_SLOTS];
	size_t lens[NAME_SLOTS];
	unsigned char kinds[NAME_SLOTS];	/* a root's kind class; 0 for a member name */
};

struct minimizer {
	struct core_btf *cb;
	size_t funcs_cap;
	struct kernel_btf k;
	struct name_set roots;		/* the object's named types, by essential name */
	struct name_set members;	/* every member name of the object's composites */
	struct btf *out;
	int32_t *memo;			/* kernel type id -> id in out, 0: not yet */
	int void_ptr;
};

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* ENUM and ENUM64 are one class for libbpf's candidates */
static unsigned char kind_class(unsigned int kind)
{
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_TYPEDEF:
		return (unsigned char)kind;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return BTF_KIND_ENUM;
	default:
		return 0;
	}
}

static int name_add(struct name_set *set, const char *s, size_t len, unsigned char kind)
{
	uint32_t h = name_hash(s, len);

	for (uint32_t n = 0; n < NAME_SLOTS; n++, h++) {
		uint32_t i = h % NAME_SLOTS;

		if (!set->names[i]) {
			set->names[i] = s;
			set->lens[i] = len;
			set->kinds[i] = kind;
			return 0;
		}
		if (set->lens[i] == len && set->kinds[i] == kind && !memcmp(set->names[i], s, len))
			return 0;
	}
	return -E2BIG;
}

/* s is NUL-terminated: compared whole */
static bool name_has(const struct name_set *set, const char *s, unsigned char kind)
{
	size_t len = strlen(s);
	uint32_t h = name_hash(s, len);

	for (uint32_t n = 0; n < NAME_SLOTS; n++, h++) {
		uint32_t i = h % NAME_SLOTS;

		if (!set->names[i])
			return false;
		if (set->lens[i] == len && set->kinds[i] == kind && !memcmp(set->names[i], s, len))
			return true;
	}
	return false;
}

/*
 * The name libbpf matches a local type by: up to a "___flavor" suffix
 * (libbpf's bpf_core_essential_name_len()).
 */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;)
		if (name[i] != '_' && !strncmp(name + i + 1, "___", 3) && name[i + 4] != '_')
			return i + 1;
	return n;
}

/* A section of the BPF object (an ELF64 of the host's byte order). */
static int object_section(const void *elf, size_t size, const char *section,
			  const void **data, size_t *data_size)
{
	const Elf64_Ehdr *eh = elf;
	const Elf64_Shdr *sh, *strtab;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shoff > size || eh->e_shnum > (size - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -EINVAL;
	sh = (const Elf64_Shdr *)((const char *)elf + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	if (strtab->sh_offset > size || strtab->sh_size > size - strtab->sh_offset)
		return -EINVAL;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		const char *name = (const char *)elf + strtab->sh_offset + sh[i].sh_name;

		if (sh[i].sh_name >= strtab->sh_size || strcmp(name, section))
			continue;
		if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset)
			return -EINVAL;
		*data = (const char *)elf + sh[i].sh_offset;
		*data_size = sh[i].sh_size;
		return 0;
	}
	return -ENOENT;
}

/*
 * Whether the object has CO-RE relocations at all (.BTF.ext's header,
 * from its version 1 on): libbpf reads no target BTF for one without.
 */
static bool object_relocates(const struct core_btf *cb)
{
	const struct btf_ext_header {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len;
		uint32_t func_info_off, func_info_len, line_info_off, line_info_len;
		uint32_t core_relo_off, core_relo_len;
	} *h;
	size_t size;

	if (object_section(cb->object, cb->object_size, ".BTF.ext", (const void **)&h, &size) ||
	    size < sizeof(*h))
		return false;
	return h->hdr_len >= sizeof(*h) && h->core_relo_len;
}

/* What the object asks of the kernel: its named types and its member names. */
static int object_names(struct minimizer *m, const struct btf *local)
{
	uint32_t n = btf__type_cnt(local);
	int rc = 0;

	for (uint32_t id = 1; id < n && !rc; id++) {
		const struct btf_type *t = btf__type_by_id(local, id);
		const char *name = btf__name_by_offset(local, t->name_off);
		unsigned char kind = kind_class(btf_kind(t));

		if (kind && name && *name)
			rc = name_add(&m->roots, name, essential_len(name), kind);
		if (btf_is_composite(t))
			for (uint16_t i = 0; i < btf_vlen(t) && !rc; i++) {
				const char *mn = btf__name_by_offset(local, btf_members(t)[i].name_off);

				if (mn && *mn)
					rc = name_add(&m->members, mn, strlen(mn), 0);
			}
	}
	return rc;
}

/* The bytes after a type's struct btf_type, by its kind: -1 for a kind not known here. */
static long type_extra(const struct btf_type *t)
{
	uint16_t vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	default:
		return -1;
	}
}

static int kernel_btf_read(struct kernel_btf *k, const char *path)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(struct btf_header)) {
		close(fd);
		return -EINVAL;
	}
	k->size = (size_t)st.st_size;
	/* 6.16 and later map the kernel's own copy: nothing read, nothing zeroed */
	k->data = mmap(NULL, k->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (k->data != MAP_FAILED) {
		k->mapped = true;
		close(fd);
		return 0;
	}
	k->data = NULL;
	buf = malloc(k->size);
	while (buf && got < k->size) {
		ssize_t n = read(fd, buf + got, k->size - got);

		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
		if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	if (!buf || got != k->size) {
		free(buf);
		return buf ? -EIO : -ENOMEM;
	}
	k->data = buf;
	return 0;
}

/* The functions that iterators attach to, by their names' common prefix. */
static const char iter_target_prefix[] = "bpf_iter_";

static int func_note(struct minimizer *m, const char *name, uint32_t id)
{
	struct core_btf *cb = m->cb;
	int rc = array_grow((void **)&cb->funcs, &m->funcs_cap, cb->nr_funcs + 1, sizeof(*cb->funcs));

	if (rc)
		return rc;
	cb->funcs[cb->nr_funcs].name = strdup(name);
	if (!cb->funcs[cb->nr_funcs].name)
		return -ENOMEM;
	cb->funcs[cb->nr_funcs++].id = (int)id;
	return 0;
}

/*
 * One pass over the types: each one's offset, the object's types among
 * them, and the iterator targets.
 */
static int kernel_btf_index(struct minimizer *m, uint32_t **roots, size_t *nr_roots)
{
	struct kernel_btf *k = &m->k;
	const struct btf_header *hdr = (const void *)k->data;
	size_t cap = 0;
	uint32_t off = 0;

	if (hdr->magic != BTF_MAGIC || hdr->hdr_len > k->size ||
	    hdr->type_off > k->size - hdr->hdr_len ||
	    hdr->type_len > k->size - hdr->hdr_len - hdr->type_off ||
	    hdr->str_off > k->size - hdr->hdr_len ||
	    hdr->str_len > k->size - hdr->hdr_len - hdr->str_off || !hdr->str_len)
		return -EINVAL;
	k->types = k->data + hdr->hdr_len + hdr->type_off;
	k->strs = k->data + hdr->hdr_len + hdr->str_off;
	k->strs_len = hdr->str_len;
	if (k->strs[k->strs_len - 1])
		return -EINVAL;
	/* a type is at least 12 bytes: an upper bound for the index */
	k->offs = malloc((hdr->type_len / sizeof(struct btf_type) + 1) * sizeof(*k->offs));
	if (!k->offs)
		return -ENOMEM;
	k->nr = 1;
	while (off < hdr->type_len) {
		const struct btf_type *t = (const void *)(k->types + off);
		long extra;
		unsigned char kind;

		if (hdr->type_len - off < sizeof(*t) || (extra = type_extra(t)) < 0 ||
		    (size_t)extra > hdr->type_len - off - sizeof(*t) || t->name_off >= k->strs_len)
			return -EINVAL;
		kind = kind_class(btf_kind(t));
		if (kind && t->name_off && name_has(&m->roots, k->strs + t->name_off, kind)) {
			int rc = array_grow((void **)roots, &cap, *nr_roots + 1, sizeof(**roots));

			if (rc)
				return rc;
			(*roots)[(*nr_roots)++] = k->nr;
		}
		if (btf_kind(t) == BTF_KIND_FUNC && t->name_off &&
		    !strncmp(k->strs + t->name_off, iter_target_prefix,
			     sizeof(iter_target_prefix) - 1)) {
			int rc = func_note(m, k->strs + t->name_off, k->nr);

			if (rc)
				return rc;
		}
		k->offs[k->nr++] = off;
		off += (uint32_t)(sizeof(*t) + (size_t)extra);
	}
	return 0;
}

static const struct btf_type *kernel_type(const struct kernel_btf *k, uint32_t id)
{
	return (const void *)(k->types + k->offs[id]);
}

static const char *kernel_name(const struct kernel_btf *k, uint32_t off)
{
	return off && off < k->strs_len ? k->strs + off : NULL;
}

static int emit(struct minimizer *m, uint32_t id);

/*
 * A composite with the members the object may name and every anonymous
 * one (libbpf looks for a member by name through anonymous members); the
 * member types first: the writer appends fields to the type added last.
 */
static int emit_composite(struct minimizer *m, const struct btf_type *t)
{
	const struct btf_member *mb = (const void *)(t + 1);
	bool kflag = btf_kflag(t);	/* offsets carry bitfield sizes */
	uint16_t vlen = btf_vlen(t);
	int *ids, id, rc = 0;

	ids = calloc(vlen ? vlen : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (uint16_t i = 0; i < vlen && rc >= 0; i++) {
		const char *name = kernel_name(&m->k, mb[i].name_off);

		ids[i] = -1;
		if (!name || name_has(&m->members, name, 0))
			rc = ids[i] = emit(m, mb[i].type);
	}
	if (rc < 0) {
		free(ids);
		return rc;
	}
	id = btf_kind(t) == BTF_KIND_STRUCT ?
		     btf__add_struct(m->out, kernel_name(&m->k, t->name_off), t->size) :
		     btf__add_union(m->out, kernel_name(&m->k, t->name_off), t->size);
	for (uint16_t i = 0; i < vlen && id >= 0 && rc >= 0; i++) {
		if (ids[i] < 0)
			continue;
		rc = btf__add_field(m->out, kernel_name(&m->k, mb[i].name_off), ids[i],
				    kflag ? BTF_MEMBER_BIT_OFFSET(mb[i].offset) : mb[i].offset,
				    kflag ? BTF_MEMBER_BITFIELD_SIZE(mb[i].offset) : 0);
	}
	free(ids);
	return rc < 0 ? rc : id;
}

static int emit_enum(struct minimizer *m, const struct btf_type *t)
{
	const char *name = kernel_name(&m->k, t->name_off);
	uint16_t vlen = btf_vlen(t);
	int id, rc = 0;

	if (btf_kind(t) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const void *)(t + 1);

		id = btf__add_enum(m->out, name, t->size);
		for (uint16_t i = 0; i < vlen && id >= 0 && rc >= 0; i++)
			rc = btf__add_enum_value(m->out, kernel_name(&m->k, e[i].name_off),
						 btf_kflag(t) ? (int64_t)e[i].val :
								(int64_t)(uint32_t)e[i].val);
	} else {
		const struct btf_enum64 *e = (const void *)(t + 1);

		id = btf__add_enum64(m->out, name, t->size, btf_kflag(t));
		for (uint16_t i = 0; i < vlen && id >= 0 && rc >= 0; i++)
			rc = btf__add_enum64_value(m->out, kernel_name(&m->k, e[i].name_off),
						   (uint64_t)e[i].val_hi32 << 32 | e[i].val_lo32);
	}
	return rc < 0 ? rc : id;
}

/* The part of kernel type id that a relocation can look at; its id in out. */
static int emit(struct minimizer *m, uint32_t id)
{
	const struct btf_type *t;
	const char *name;
	int rc;

	if (!id)
		return 0;
	if (id >= m->k.nr)
		return -EINVAL;
	if (m->memo[id])
		return m->memo[id];
	t = kernel_type(&m->k, id);
	name = kernel_name(&m->k, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		/* libbpf's field relocations look through modifiers and typedefs */
		rc = emit(m, t->type);
		break;
	case BTF_KIND_INT: {
		uint32_t info = *(const uint32_t *)(t + 1);

		rc = BTF_INT_OFFSET(info) || BTF_INT_BITS(info) != t->size * 8 ?
			     -EOPNOTSUPP :
			     btf__add_int(m->out, name, t->size, BTF_INT_ENCODING(info));
		break;
	}
	case BTF_KIND_PTR:
		if (!m->void_ptr)
			m->void_ptr = btf__add_ptr(m->out, 0);
		rc = m->void_ptr;
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const void *)(t + 1);
		int index = emit(m, a->index_type), elem = index < 0 ? index : emit(m, a->type);

		rc = elem < 0 ? elem : btf__add_array(m->out, index, elem, a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		rc = emit_composite(m, t);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		rc = emit_enum(m, t);
		break;
	case BTF_KIND_FWD:
		rc = btf__add_fwd(m->out, name, btf_kflag(t) ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		break;
	case BTF_KIND_FLOAT:
		rc = btf__add_float(m->out, name, t->size);
		break;
	default:
		/* functions and variables are no member's type */
		rc = -EOPNOTSUPP;
	}
	if (rc > 0)
		m->memo[id] = rc;
	return rc;
}

/* A root typedef stays one: a relocation of the object may name it. */
static int emit_root(struct minimizer *m, uint32_t id)
{
	const struct btf_type *t = kernel_type(&m->k, id);
	int to;

	if (btf_kind(t) != BTF_KIND_TYPEDEF)
		return emit(m, id);
	to = emit(m, t->type);
	return to < 0 ? to : btf__add_typedef(m->out, kernel_name(&m->k, t->name_off), to);
}

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int minimize(struct minimizer *m, const struct core_btf *cb)
{
	const void *local_raw;
	size_t local_size;
	struct btf *local;
	uint32_t *roots = NULL;
	size_t nr_roots = 0;
	const void *raw;
	uint32_t raw_size;
	int rc;

	rc = object_section(cb->object, cb->object_size, ".BTF", &local_raw, &local_size);
	if (rc)
		return rc;
	local = btf__new(local_raw, (uint32_t)local_size);
	if (!local)
		return -errno;
	rc = object_names(m, local);
	if (!rc)
		rc = kernel_btf_index(m, &roots, &nr_roots);
	m->memo = rc ? NULL : calloc(m->k.nr, sizeof(*m->memo));
	m->out = m->memo ? btf__new_empty() : NULL;
	if (!rc && !m->out)
		rc = -ENOMEM;
	for (size_t i = 0; i < nr_roots && rc >= 0; i++)
		rc = emit_root(m, roots[i]);
	raw = rc < 0 ? NULL : btf__raw_data(m->out, &raw_size);
	rc = rc < 0 ? rc : !raw ? -ENOMEM : write_all(cb->fd, raw, raw_size);
	free(roots);
	btf__free(local);
	return rc;
}

void core_btf_init(struct core_btf *cb, const void *object, size_t object_size)
{
	*cb = (struct core_btf){ .object = object, .object_size = object_size };
	cb->fd = memfd_create("daxpin-core-btf", MFD_CLOEXEC);
	if (cb->fd < 0)
		return;
	snprintf(cb->path, sizeof(cb->path), "/proc/self/fd/%d", cb->fd);
	/* libbpf opens the path: without /proc it reads the kernel's BTF itself */
	if (access(cb->path, R_OK)) {
		close(cb->fd);
		cb->fd = -1;
	}
}

const char *core_btf_path(const struct core_btf *cb)
{
	return cb->fd >= 0 ? cb->path : NULL;
}

/*
 * No kernel BTF at vmlinux_path: the one libbpf finds where else it looks
 * (a vmlinux image under /boot or /lib/modules), whole, or its error.
 */
static int whole_from_libbpf(struct daxpin_ctx *ctx, struct core_btf *cb,
			     const char *vmlinux_path, int why)
{
	struct btf *vmlinux;
	const void *raw;
	uint32_t size;
	int rc;

	dbg(ctx, "%s: %s: the kernel BTF from libbpf\n", vmlinux_path, strerror(-why));
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	raw = btf__raw_data(vmlinux, &size);
	rc = raw ? write_all(cb->fd, raw, size) : -ENOMEM;
	btf__free(vmlinux);
	return rc;
}

int core_btf_fill(struct daxpin_ctx *ctx, struct core_btf *cb, const char *vmlinux_path)
{
	struct minimizer *m;
	int rc;

	if (cb->fd < 0 || cb->filled || !object_relocates(cb))
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cb = cb;
	rc = kernel_btf_read(&m->k, vmlinux_path);
	if (!rc) {
		rc = minimize(m, cb);
		cb->subset = !rc;
		if (rc) {
			dbg(ctx, "%s: no CO-RE subset (%s): libbpf gets all of it\n", vmlinux_path,
			    strerror(-rc));
			rc = ftruncate(cb->fd, 0) ? -errno : write_all(cb->fd, m->k.data, m->k.size);
		}
	} else {
		rc = whole_from_libbpf(ctx, cb, vmlinux_path, rc);
	}
	if (m->k.mapped)
		munmap((void *)m->k.data, m->k.size);
	else
		free((void *)m->k.data);
	free(m->k.offs);
	free(m->memo);
	btf__free(m->out);
	free(m);
	cb->filled = !rc;
	return rc;
}

int core_btf_func_id(const struct core_btf *cb, const char *func)
{
	for (size_t i = 0; i < cb->nr_funcs; i++)
		if (!strcmp(cb->funcs[i].name, func))
			return cb->funcs[i].id;
	return -ENOENT;
}

void core_btf_release(struct core_btf *cb)
{
	if (cb->fd >= 0)
		close(cb->fd);
	cb->fd = -1;
	for (size_t i = 0; i < cb->nr_funcs; i++)
		free(cb->funcs[i].name);
	free(cb->funcs);
	cb->funcs = NULL;
	cb->nr_funcs = 0;
}
