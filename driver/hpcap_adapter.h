/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_adapter.h - adapters and the sources behind them.
 *
 * An adapter is one captured thing (a netdev tapped by the generic source,
 * a synthetic generator, a NIC port driven natively, later AF_XDP or user
 * sources): a number, a name and one queue per RX queue.  What makes the
 * frames is the adapter's source, reached only through its ops table, so
 * the registry (hpcap_adapter.c) knows no source and no source knows
 * another.  Sources register their ops at load (hpcap_source_register).
 *
 * Life of an adapter:
 *   reserve   number and name taken, nothing allocated (hpcap_mutex)
 *   start     queue memory allocated with no lock held, then, under rtnl
 *             (if the source needs it) and hpcap_mutex, the queues get
 *             their device nodes and the source's attach() starts it
 *   live      visible to lookups, sysfs and detach requests
 *   detach    the source's detach() stops it, the queues are killed
 *
 * Lock order everywhere: rtnl, then hpcap_mutex.
 */
#ifndef HPCAP_ADAPTER_H
#define HPCAP_ADAPTER_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>

#include "hpcap_priv.h"

struct hpcap_adapter;

/* Options of attach requests beyond bufsize=, filesize= and adapter=. */
#define HPCAP_OPT_MODE		BIT(0)	/* mirror, drop */
#define HPCAP_OPT_CAPLEN	BIT(1)
#define HPCAP_OPT_QUEUES	BIT(2)
#define HPCAP_OPT_SIZES		BIT(3)
#define HPCAP_OPT_RATE		BIT(4)
#define HPCAP_OPT_COUNT		BIT(5)

/* Largest file size the stream is framed into. */
#define HPCAP_MAX_FILE_SIZE	(1ull << 40)

/* Synthetic frame sizes a request can list. */
#define HPCAP_SYNTH_MAX_SIZES	8

/*
 * What an attach asks for: filled by the control paths (text requests,
 * the ioctl) or by a driver's probe, completed by the source's prepare().
 */
struct hpcap_adapter_cfg {
	const struct hpcap_source_ops *ops;
	char name[IFNAMSIZ];	/* "": hpcapN */
	int want_id;		/* -1: the lowest free number */
	u32 nqueues;		/* set by prepare() (or the probe) */
	u32 max_queues;		/* 0: no cap beyond HPCAP_MAX_QUEUES */
	u64 buf_size, file_size;
	u32 caplen;		/* 0: HPCAP_MAX_CAPLEN */
	bool huge;		/* buffers in 2 MiB pages */
	int node;		/* NUMA node of the buffers */
	void *priv;		/* the source's, from prepare() to attach() */
	/* generic source */
	u32 mode;		/* HPCAP_ATTACH_MIRROR / _DROP */
	/* synthetic source */
	u32 sizes[HPCAP_SYNTH_MAX_SIZES];
	u32 nsizes;
	u64 rate, count;
};

/* A source's counter of one queue, for /sys/class/hpcap/hpcap_N_Q/source_stats. */
struct hpcap_source_counter {
	const char *name;
	u64 value;
};

#define HPCAP_SOURCE_MAX_COUNTERS	12

/*
 * One per kind of source.  Every callback gets the adapter; the source
 * keeps its own state in ad->priv.
 */
struct hpcap_source_ops {
	const char *what;	/* for messages: "interface", "synthetic source" */
	/* Attach requests: those whose first word is request_word ("synth"),
	 * or, with request_ifname, those that start with an interface name;
	 * the options (HPCAP_OPT_*) they take, and the same for people. */
	const char *request_word;
	bool request_ifname;
	u32 options;
	const char *options_help;
	bool user_detach;	/* detach requests remove it */
	bool needs_rtnl;	/* attach/detach run under rtnl */
	bool fixed_caplen;	/* frames have fixed sizes: no caplen change */
	struct list_head node;	/* hpcap_source_register() */
	/*
	 * Before any lock is taken: check the request, take what the source
	 * needs (a netdev reference), set cfg->nqueues and cfg->node.
	 * unprepare() undoes it when the attach fails before attach().
	 */
	int (*prepare)(struct hpcap_adapter_cfg *cfg);
	void (*unprepare)(struct hpcap_adapter_cfg *cfg);
	/* The queues exist and have nodes: start producing into them. */
	int (*attach)(struct hpcap_adapter *ad, struct hpcap_adapter_cfg *cfg);
	/* Stop producing (the queues are killed right after) and free what
	 * attach() took. */
	void (*detach)(struct hpcap_adapter *ad);
	/* What /sys/class/hpcap/adapters and the source file say. */
	const char *(*name)(const struct hpcap_adapter *ad);
	/* Counters of queue q that only the source has; returns how many. */
	u32 (*stats)(struct hpcap_adapter *ad, u32 q,
		     struct hpcap_source_counter *c, u32 max);
	/* Duplicate removal (NULL: not available). */
	int (*set_dup)(struct hpcap_adapter *ad, bool on);
	bool (*get_dup)(struct hpcap_adapter *ad);
};

enum hpcap_adapter_state {
	HPCAP_AD_RESERVED,	/* number and name taken, starting */
	HPCAP_AD_LIVE,
};

struct hpcap_adapter {
	u32 id;
	char name[IFNAMSIZ];
	enum hpcap_adapter_state state;	/* under hpcap_mutex */
	const struct hpcap_source_ops *ops;
	void *priv;			/* the source's */
	u32 nqueues;
	u32 caplen;			/* READ_ONCE: changeable at runtime */
	struct hpcap_queue *q[HPCAP_MAX_QUEUES];
};

/* Guards the adapters and the sources list. */
extern struct mutex hpcap_mutex;

/* Sources */
void hpcap_source_register(struct hpcap_source_ops *ops);
void hpcap_source_unregister(struct hpcap_source_ops *ops);

/* Requests (control paths): a cfg with the module's defaults. */
void hpcap_adapter_cfg_init(struct hpcap_adapter_cfg *cfg);
/* The source a request's first word names ("synth"), else NULL. */
const struct hpcap_source_ops *hpcap_source_by_kind(const char *word);
/* The source of requests that name an interface. */
const struct hpcap_source_ops *hpcap_source_default(void);

/* Whole attach of a request-driven source; the adapter number or -errno. */
int hpcap_adapter_attach(struct hpcap_adapter_cfg *cfg);
/* Detach by request text: a name or, if no adapter has it, a number. */
int hpcap_adapter_detach_req(const char *text);

/* Steps, for sources that create adapters themselves (a driver's probe). */
struct hpcap_adapter *hpcap_adapter_reserve(struct hpcap_adapter_cfg *cfg);
int hpcap_adapter_start(struct hpcap_adapter *ad,
			struct hpcap_adapter_cfg *cfg);
/* Undo reserve (after a failed start too). */
void hpcap_adapter_abandon(struct hpcap_adapter *ad);
/* Stop the source and kill the queues.  Called with rtnl (if the source
 * needs it) and hpcap_mutex held. */
void hpcap_adapter_detach(struct hpcap_adapter *ad);

/* Lookups; hpcap_mutex held; live adapters only. */
struct hpcap_adapter *hpcap_adapter_find(const char *name);
struct hpcap_adapter *hpcap_adapter_by_id(u32 id);
/* Follow a rename (hpcap_mutex held). */
void hpcap_adapter_rename(struct hpcap_adapter *ad, const char *name);

const char *hpcap_adapter_source_name(const struct hpcap_adapter *ad);

/* Module unload: first no adapter may start any more, then every one
 * left is detached. */
void hpcap_adapters_close(void);
void hpcap_adapters_detach_all(void);

#endif /* HPCAP_ADAPTER_H */
