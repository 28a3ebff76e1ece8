// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one place libdaxpin loads BPF programs: the libbpf log policy, the
 * skeleton loader with its bpffs pins, and the iterator reader (lib/core/bpf.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/capability.h>
#include <pthread.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpf.h"
#include "private.h"

/* libbpf logs through a process-wide callback without a user pointer: the
 * handle being loaded is passed on the side, per thread. */
static __thread struct daxpin_ctx *log_ctx;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct daxpin_ctx *ctx = log_ctx;
	int prio = level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG;
	char msg[512];

	if (!ctx || ctx->log_priority < prio)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* libbpf prefixes its messages with "libbpf: " itself */
	daxpin_log(ctx, prio, __FILE__, __LINE__, "libbpf", "%s",
		   strncmp(msg, "libbpf: ", 8) ? msg : msg + 8);
	return 0;
}

void bpf_log_enter(struct daxpin_ctx *ctx, struct bpf_log_scope *scope)
{
	scope->saved_ctx = log_ctx;
	log_ctx = ctx;
	scope->saved = libbpf_set_print(libbpf_log);
}

void bpf_log_leave(struct bpf_log_scope *scope)
{
	libbpf_set_print(scope->saved);
	log_ctx = scope->saved_ctx;
}

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool have_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1U << (cap % 32));
}

bool bpf_capable(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return have_cap(data, CAP_SYS_ADMIN) ||
	       (have_cap(data, CAP_BPF) && have_cap(data, CAP_PERFMON));
}

static const char pin_root[] = "/sys/fs/bpf/daxpin";
static const char vmlinux_btf[] = "/sys/kernel/btf/vmlinux";

/* the skeleton declares its entries' sizes: it may be newer than this libbpf */
static struct bpf_prog_skeleton *prog_at(const struct bpf_object_skeleton *s, int i)
{
	return (struct bpf_prog_skeleton *)((char *)s->progs + (size_t)i * s->prog_skel_sz);
}

static struct bpf_map_skeleton *map_at(const struct bpf_object_skeleton *s, int i)
{
	return (struct bpf_map_skeleton *)((char *)s->maps + (size_t)i * s->map_skel_sz);
}

/* FNV-1a of the BPF object: a changed program gets other pins. */
static uint64_t object_hash(const struct bpf_object_skeleton *s)
{
	const unsigned char *p = s->data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < s->data_sz; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* A directory for pins that only the caller can write, or -1. */
static int pin_mkdir(struct daxpin_ctx *ctx, const char *path)
{
	struct stat st;
	int fd;

	if (mkdir(path, 0700) && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		info(ctx, "%s: not the caller's own 0700 directory: BPF programs not pinned\n", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* What follows "SKEL_<16 hex digits>" in NAME (the pins of SKEL of some build), or NULL. */
static const char *pins_suffix(const char *name, const char *skel)
{
	size_t len = strlen(skel);

	if (strncmp(name, skel, len) != 0 || name[len] != '_' ||
	    strspn(name + len + 1, "0123456789abcdef") != 16)
		return NULL;
	return name + len + 17;
}

/* Whether NAME is "SKEL_<16 hex digits>SUFFIX": the pins of SKEL of some build. */
static bool pins_of(const char *name, const char *skel, const char *suffix)
{
	const char *rest = pins_suffix(name, skel);

	return rest && strcmp(rest, suffix) == 0;
}

/*
 * Objects that releases before the one object "daxpin" pinned under their
 * own names (their pins also carried a module's load, as SUFFIX does).
 */
static const char *const retired_objects[] = { "pagestate", "holders", "owners" };

/* Whether NAME holds the pins of a retired object, of any build and suffix. */
static bool pins_retired(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(retired_objects); i++)
		if (pins_suffix(name, retired_objects[i]))
			return true;
	return false;
}

/*
 * The pins of SKEL that other builds left (an upgrade, a rebuilt
 * checkout), and those of retired objects: their programs and maps stay
 * loaded in the kernel, unused, as long as they are pinned. Removed when a
 * build pins SKEL for the first time; a process of the older build still
 * running keeps what it has open.
 */
static void old_pins_remove(struct daxpin_ctx *ctx, int root, const char *skel,
			    const char *suffix, const char *mine)
{
	int scan = dup(root);
	DIR *dir = scan >= 0 ? fdopendir(scan) : NULL;
	struct dirent *de;

	if (!dir) {
		if (scan >= 0)
			close(scan);
		return;
	}
	while ((de = readdir(dir))) {
		DIR *pins;
		struct dirent *pe;
		int fd;

		if ((!pins_of(de->d_name, skel, suffix) && !pins_retired(de->d_name)) ||
		    strcmp(de->d_name, mine) == 0)
			continue;
		fd = openat(root, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		pins = fd >= 0 ? fdopendir(fd) : NULL;
		if (!pins) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((pe = readdir(pins)))
			if (pe->d_name[0] != '.')
				unlinkat(fd, pe->d_name, 0);
		closedir(pins);
		if (unlinkat(root, de->d_name, AT_REMOVEDIR) == 0)
			info(ctx, "%s/%s: BPF pins of another daxpin build removed\n", pin_root,
			     de->d_name);
	}
	closedir(dir);
}

static int pin_dir_open(struct daxpin_ctx *ctx, const struct bpf_object_skeleton *s,
			const char *pin, char *path, size_t size)
{
	char suffix[64];
	struct statfs fs;
	int root, rc;

	/* root only: a directory another user made first is not used */
	if (geteuid() || statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		return -1;
	root = pin_mkdir(ctx, pin_root);
	if (root < 0)
		return -1;
	snprintf(suffix, sizeof(suffix), "%s%s", *pin ? "_" : "", pin);
	rc = snprintf(path, size, "%s/%s_%016" PRIx64 "%s", pin_root, s->name, object_hash(s),
		      suffix);
	if (rc < 0 || (size_t)rc >= size) {
		close(root);
		return -1;
	}
	if (faccessat(root, path + sizeof(pin_root), F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		old_pins_remove(ctx, root, s->name, suffix, path + sizeof(pin_root));
	close(root);
	return pin_mkdir(ctx, path);
}

/* DIR/NAME, or "" when it does not fit (bpf_obj_get() then fails) */
static const char *pin_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		out[0] = 0;
	return out;
}

/* The .bss of a pinned set, mapped as the skeleton would have. */
static int bss_map(struct bpf_loaded *l, int map_fd)
{
	struct bpf_map_skeleton *m = map_at(l->skeleton, 0);
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	l->bss_size = (info.value_size + page - 1) / page * page;
	p = mmap(NULL, l->bss_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	l->bss = p;
	*m->mmaped = p;
	return 0;
}

/*
 * Iterators, SEC("iter/TARGET"), attach to the kernel's FUNC
 * bpf_iter_TARGET by its BTF id. libbpf's own "iter/" handler finds it in
 * the kernel's whole BTF, which it reads for any tracing program before
 * it loads one: that read and its parse were most of a cold holders. This
 * handler, registered over libbpf's, opens iterators as a type libbpf
 * needs no kernel BTF for and makes them tracing iterators just before
 * each is loaded (libbpf's prog_prepare_load_fn is there to adjust the
 * type), with the id the CO-RE subset's pass found (core_btf.h). Without
 * it, the id comes from the kernel's BTF read here.
 */
static __thread const struct core_btf *loading_core;

static int iter_target_id(const char *func)
{
	struct btf *vmlinux;
	int id = loading_core ? core_btf_func_id(loading_core, func) : -ENOENT;

	if (id >= 0)
		return id;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	btf__free(vmlinux);
	return id;
}

static int iter_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
			long cookie)
{
	const char *target = bpf_program__section_name(prog) + strlen("iter/");
	char func[128];
	int id;

	(void)cookie;
	if ((size_t)snprintf(func, sizeof(func), "bpf_iter_%s", target) >= sizeof(func))
		return -ENAMETOOLONG;
	id = iter_target_id(func);
	if (id < 0)
		return id;
	opts->expected_attach_type = BPF_TRACE_ITER;
	opts->attach_btf_id = (__u32)id;
	return bpf_program__set_type(prog, BPF_PROG_TYPE_TRACING);
}

static void iter_handler_register(void)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = iter_prepare);

	/* on failure libbpf keeps its own handler: slower, and as right */
	libbpf_register_prog_handler("iter/", BPF_PROG_TYPE_SYSCALL, 0, &opts);
}

void bpf_handlers_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, iter_handler_register);
}

/*
 * A new .bss made here, not by libbpf: libbpf copies a .bss's image, all
 * zeros, into the map it creates, and the kernel zeroes a new array map
 * anyway. The page scan's buffers make that copy 800 KB, a tenth of a cold
 * load's time under QEMU. Where this fails, libbpf makes it as before.
 */
static int bss_create(const struct bpf_object_skeleton *s)
{
	struct bpf_map *map = *map_at(s, 0)->map;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(map));
	int fd, rc;

	if (bpf_map__fd(map) >= 0)
		return 0;	/* the pinned one */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, bpf_map__name(map), sizeof(__u32),
			    bpf_map__value_size(map), 1, &opts);
	if (fd < 0)
		return 0;
	rc = bpf_map__reuse_fd(map, fd);
	close(fd);
	return rc;
}

/* libbpf's load of the skeleton, its iterators' targets from core */
static int skeleton_load(struct daxpin_ctx *ctx, struct bpf_object_skeleton *s,
			 struct core_btf *core)
{
	int rc = core_btf_fill(ctx, core, vmlinux_btf);

	if (!rc)
		rc = bss_create(s);
	if (rc)
		return rc;
	loading_core = core;
	rc = bpf_object__load_skeleton(s) < 0 ? -errno : 0;
	loading_core = NULL;
	return rc;
}

/* The scans of the daxpin object, by the prefix of their programs' names. */
static const struct {
	unsigned int scan;
	const char *prefix;
} scans[] = {
	{ DAXPIN_SCAN_HOLDERS, "holders" },
	{ DAXPIN_SCAN_OWNERS, "owners" },
	{ DAXPIN_SCAN_PAGES, "pagestate" },
	{ DAXPIN_SCAN_PAGEFILES, "pagefile" },
};

/* The scan a program belongs to, 0 for a program of none. */
static unsigned int prog_scan(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scans); i++) {
		size_t len = strlen(scans[i].prefix);

		if (strncmp(name, scans[i].prefix, len) == 0 && name[len] == '_')
			return scans[i].scan;
	}
	return 0;
}

/* Whether a load for the scans wanted takes the program: a program of no scan always. */
static bool prog_wanted(const struct bpf_object_skeleton *s, int i, unsigned int wanted)
{
	unsigned int scan = prog_scan(prog_at(s, i)->name);

	return !scan || (scan & wanted);
}

/* What the log calls the caller's programs: its scan, else the skeleton. */
static const char *loaded_name(const struct bpf_object_skeleton *s, unsigned int scan)
{
	for (size_t i = 0; i < ARRAY_SIZE(scans); i++)
		if (scans[i].scan == scan)
			return scans[i].prefix;
	return s->name;
}

/*
 * The wanted programs and the .bss from the pins where there are pins, the
 * wanted others loaded onto the pinned .bss and pinned beside it.
 */
static int get_pinned(struct daxpin_ctx *ctx, struct bpf_loaded *l, struct core_btf *core,
		      const char *dir, unsigned int scan, unsigned int wanted)
{
	struct bpf_object_skeleton *s = l->skeleton;
	const char *name = loaded_name(s, scan);
	char path[PATH_MAX];
	int missing = 0, map_fd, rc = 0;
	bool pinned;

	map_fd = bpf_obj_get(pin_path(path, sizeof(path), dir, "bss"));
	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_prog_skeleton *p = prog_at(s, i);

		if (!prog_wanted(s, i, wanted))
			continue;
		/* programs pinned without the .bss they wrote to are of no use */
		l->prog_fds[i] = map_fd >= 0 ? bpf_obj_get(pin_path(path, sizeof(path), dir, p->name)) : -1;
		missing += l->prog_fds[i] < 0;
	}
	if (!missing) {
		rc = bss_map(l, map_fd);
		close(map_fd);
		dbg(ctx, "%s: BPF programs from %s\n", name, dir);
		return rc;
	}
	/* libbpf relocates and the verifier checks only the programs loaded */
	for (int i = 0; i < s->prog_cnt; i++) {
		rc = bpf_program__set_autoload(*prog_at(s, i)->prog,
					       prog_wanted(s, i, wanted) && l->prog_fds[i] < 0);
		if (rc)
			goto out;
	}
	if (map_fd >= 0 && (rc = bpf_map__reuse_fd(*map_at(s, 0)->map, map_fd)))
		goto out;
	if ((rc = skeleton_load(ctx, s, core)))
		goto out;
	/* a new .bss: pins of programs that wrote to an older one must go */
	for (int i = 0; i < s->prog_cnt && map_fd < 0; i++)
		unlinkat(l->pin_dir, prog_at(s, i)->name, 0);
	pinned = map_fd >= 0 || !bpf_obj_pin(bpf_map__fd(*map_at(s, 0)->map),
					     pin_path(path, sizeof(path), dir, "bss"));
	for (int i = 0; i < s->prog_cnt && !rc; i++) {
		struct bpf_prog_skeleton *p = prog_at(s, i);

		if (l->prog_fds[i] >= 0 || !bpf_program__autoload(*p->prog))
			continue;
		l->prog_fds[i] = dup(bpf_program__fd(*p->prog));
		if (l->prog_fds[i] < 0)
			rc = -errno;
		else if (pinned &&
			 bpf_obj_pin(l->prog_fds[i], pin_path(path, sizeof(path), dir, p->name)))
			pinned = false;
	}
	/* unpinned, the programs still work for this caller */
	dbg(ctx, "%s: BPF programs loaded, %s %s (%d programs)\n", name,
	    pinned ? "pinned in" : "could not pin them in", dir, missing);
out:
	if (map_fd >= 0)
		close(map_fd);
	return rc;
}

/* The caller's own programs only: nothing loaded now would serve a later scan. */
static int get_unpinned(struct daxpin_ctx *ctx, struct bpf_loaded *l, struct core_btf *core,
			unsigned int scan)
{
	struct bpf_object_skeleton *s = l->skeleton;
	int rc;

	for (int i = 0; i < s->prog_cnt; i++)
		if (bpf_program__set_autoload(*prog_at(s, i)->prog, prog_wanted(s, i, scan)))
			return -EINVAL;
	if ((rc = skeleton_load(ctx, s, core)))
		return rc;
	for (int i = 0; i < s->prog_cnt; i++)
		if (prog_wanted(s, i, scan) &&
		    (l->prog_fds[i] = dup(bpf_program__fd(*prog_at(s, i)->prog))) < 0)
			return -errno;
	return 0;
}

/* The .bss first, then read-only maps only (the strings a program copies):
 * those are the programs' own, never written, so they need no pins. The
 * linker of several objects into one keeps it so: their .bss sections
 * become one, and all the others are strings. */
static bool shares_bss_only(const struct bpf_object_skeleton *s)
{
	size_t len = s->map_cnt < 1 ? 0 : strlen(map_at(s, 0)->name);

	if (len < 4 || strcmp(map_at(s, 0)->name + len - 4, ".bss"))
		return false;
	for (int i = 1; i < s->map_cnt; i++)
		if (!(bpf_map__map_flags(*map_at(s, i)->map) & BPF_F_RDONLY_PROG))
			return false;
	return true;
}

int bpf_loaded_get(struct daxpin_ctx *ctx, struct bpf_object_skeleton *s,
		   struct core_btf *core, const char *pin, unsigned int scan,
		   struct bpf_loaded *l)
{
	char dir[PATH_MAX];
	int rc;

	*l = (struct bpf_loaded){ .skeleton = s, .pin_dir = -1 };
	for (size_t i = 0; i < BPF_LOADED_PROGS_MAX; i++)
		l->prog_fds[i] = -1;
	if (s->prog_cnt > BPF_LOADED_PROGS_MAX || !shares_bss_only(s))
		return -E2BIG;
	l->pin_dir = pin_dir_open(ctx, s, pin, dir, sizeof(dir));
	if (l->pin_dir < 0) {
		rc = get_unpinned(ctx, l, core, scan);
	} else {
		/* one loader at a time, so that all pins share one .bss */
		bpf_loaded_lock(l);
		rc = get_pinned(ctx, l, core, dir, scan, scan | ctx->scans);
		bpf_loaded_unlock(l);
	}
	if (rc)
		bpf_loaded_release(l);
	return rc;
}

void bpf_loaded_release(struct bpf_loaded *l)
{
	for (size_t i = 0; i < BPF_LOADED_PROGS_MAX; i++)
		if (l->prog_fds[i] >= 0) {
			close(l->prog_fds[i]);
			l->prog_fds[i] = -1;
		}
	if (l->bss) {
		munmap(l->bss, l->bss_size);
		*map_at(l->skeleton, 0)->mmaped = NULL;
		l->bss = NULL;
	}
	if (l->pin_dir >= 0)
		close(l->pin_dir);
	l->pin_dir = -1;
}

const char *bpf_module_instance(const char *module, char *buf, size_t size)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (stat(path, &st))
		snprintf(buf, size, "%s_none", module);
	else
		snprintf(buf, size, "%s_%llx", module, (unsigned long long)st.st_ino);
	return buf;
}

int bpf_loaded_prog_fd(const struct bpf_loaded *l, const struct bpf_program *prog)
{
	for (int i = 0; i < l->skeleton->prog_cnt; i++)
		if (*prog_at(l->skeleton, i)->prog == prog)
			return l->prog_fds[i];
	return -1;
}

void bpf_loaded_lock(const struct bpf_loaded *l)
{
	if (l->pin_dir >= 0)
		while (flock(l->pin_dir, LOCK_EX) && errno == EINTR)
			;
}

void bpf_loaded_unlock(const struct bpf_loaded *l)
{
	if (l->pin_dir >= 0)
		flock(l->pin_dir, LOCK_UN);
}

int bpf_iter_read_all(int prog_fd, char **buf, size_t *len, size_t *cap)
{
	int link = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, NULL);
	int fd, rc = 0;

	if (link < 0)
		return -errno;
	fd = bpf_iter_create(link);
	if (fd < 0)
		rc = -errno;
	while (fd >= 0 && !rc) {
		ssize_t n;

		rc = array_grow((void **)buf, cap, *len + 65536, 1);
		if (rc)
			break;
		n = read(fd, *buf + *len, *cap - *len);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		if (n == 0)
			break;
		if (n > 0)
			*len += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	close(link);
	return rc;
}
