/*
 * iotaspire: a Mosquitto 2.0 plugin that keeps device telemetry the broker has acknowledged from being lost when the
 * broker restarts, gracefully or by kill -9. Two parts:
 *
 * 1. The start gate. Mosquitto 2.0.11 restores persistent sessions and their queued messages after a restart, but not
 *    their shared subscriptions ($share/...). Until the worker has subscribed again, a device's QoS 1 message would be
 *    acknowledged and delivered to nobody. So after a start only the exempt service accounts may connect; once the
 *    worker (plugin_opt_opener), subscribed again, publishes "open" to $CONTROL/iotaspire/gate/v1, everyone may.
 *    A device's connection is closed before any CONNACK meanwhile, as if the broker were still starting: devices retry
 *    that as they retry an unreachable broker. (The other answer a 2.0 plugin can give, CONNACK "not authorized", is
 *    taken for bad credentials: some devices re-provision, some give up.)
 *
 * 2. The telemetry journal. Mosquitto acknowledges a QoS 1 message before anything is on disk (it saves a snapshot
 *    every autosave_interval), so after kill -9 it has forgotten what it received since its last save; what it had
 *    already sent to the worker but the worker had not read yet is discarded by the kernel with the connection. This
 *    plugin copies every message on devices/+/telemetry into a memory-mapped file before the broker handles it (the
 *    MESSAGE event comes before the broker stores or acknowledges the message). The copy is in the kernel's page cache
 *    at once, so it outlives the process (not a power loss: neither does the broker's own snapshot, which is not
 *    synced either). After an unclean stop, the messages of the last plugin_opt_journal_window seconds are published
 *    again, to the worker's shared subscription, when it opens the gate. The worker stores telemetry idempotently
 *    (device, metric, time), so what was stored already adds nothing. A clean stop marks the journal clean: the
 *    broker's own snapshot then has everything, and nothing is replayed.
 *
 * Options (mosquitto.conf, after the plugin line):
 *   plugin_opt_opener          <username>        the account whose "open" counts (the worker)
 *   plugin_opt_exempt          <user>,<user>...  accounts let in while the gate is closed (worker, Api, broker admin)
 *   plugin_opt_journal         <file>            the journal (without it, no journal)
 *   plugin_opt_journal_bytes   <bytes>           its size, two halves used in turn (default 64 MiB)
 *   plugin_opt_journal_window  <seconds>        how far back a replay reaches (default 10; autosave_interval is 1)
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define GATE_TOPIC "$CONTROL/iotaspire/gate/v1"
#define JOURNAL_MAGIC 0x4a544f49u /* "IOTJ" */
#define TOPIC_PREFIX "devices/"
#define TOPIC_SUFFIX "/telemetry"

/* The file: a header, then two halves. Each half holds records back to back and ends where a length word is 0. */
struct journal_header {
	uint32_t magic;
	uint32_t clean;      /* 1 after a clean stop: nothing to replay */
	uint64_t half_bytes;
	uint32_t half;       /* the half being written */
	uint32_t reserved;
	uint64_t offset;     /* next write position in that half */
};

/* A record: its length (written last, so that a torn record reads as the end), time, topic and payload. */
struct record_head {
	uint32_t length; /* of the whole record, 8-byte aligned; 0 = end of the half */
	uint32_t topic_length;
	uint32_t payload_length;
	uint32_t reserved;
	int64_t time_ms;
};

struct replay_item {
	char *topic;
	void *payload;
	uint32_t payload_length;
};

static mosquitto_plugin_id_t *plugin_id = NULL;
static bool gate_open = false;
static char *opener = NULL;
static char *exempt = NULL; /* ",user1,user2," so that a name matches only whole */
static long refused = 0;

static struct journal_header *journal = NULL;
static size_t journal_bytes = 64u * 1024u * 1024u;
static long journal_window_ms = 10000;
static struct replay_item *replay = NULL;
static size_t replay_count = 0;

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static uint8_t *half_start(uint32_t half)
{
	return (uint8_t *)journal + sizeof(struct journal_header) + (size_t)half * journal->half_bytes;
}

static char *wrapped_list(const char *value)
{
	size_t length = strlen(value);
	char *list = malloc(length + 3);
	if(list == NULL) return NULL;
	list[0] = ',';
	memcpy(list + 1, value, length);
	list[length + 1] = ',';
	list[length + 2] = '\0';
	return list;
}

static bool is_exempt(const char *username)
{
	if(username == NULL || exempt == NULL) return false;
	char *needle = wrapped_list(username);
	if(needle == NULL) return false;
	bool found = strstr(exempt, needle) != NULL;
	free(needle);
	return found;
}

/* devices/{one level}/telemetry */
static bool is_telemetry(const char *topic)
{
	size_t length = strlen(topic);
	size_t prefix = strlen(TOPIC_PREFIX), suffix = strlen(TOPIC_SUFFIX);
	if(length <= prefix + suffix || strncmp(topic, TOPIC_PREFIX, prefix) != 0 || strcmp(topic + length - suffix, TOPIC_SUFFIX) != 0) return false;
	return memchr(topic + prefix, '/', length - prefix - suffix) == NULL;
}

/* Calls visit for each complete record of a half, in the order written; a half ends at a zero length or its end. */
static void for_each_record(uint32_t half, void (*visit)(struct record_head *head, void *context), void *context)
{
	uint8_t *start = half_start(half);
	uint64_t position = 0;
	while(position + sizeof(struct record_head) <= journal->half_bytes){
		struct record_head *head = (struct record_head *)(start + position);
		if(head->length == 0 || position + head->length > journal->half_bytes) break;
		visit(head, context);
		position += head->length;
	}
}

static void note_newest(struct record_head *head, void *context)
{
	int64_t *newest = context;
	if(head->time_ms > *newest) *newest = head->time_ms;
}

/* Keeps a copy of the record for the replay when it is not older than *context (the newest time minus the window). */
static void collect(struct record_head *head, void *context)
{
	if(head->time_ms < *(int64_t *)context) return;
	struct replay_item item;
	item.topic = strndup((char *)(head + 1), head->topic_length);
	item.payload_length = head->payload_length;
	item.payload = malloc(head->payload_length > 0 ? head->payload_length : 1);
	struct replay_item *grown = realloc(replay, (replay_count + 1) * sizeof(struct replay_item));
	if(grown != NULL) replay = grown;
	if(item.topic == NULL || item.payload == NULL || grown == NULL){
		free(item.topic);
		free(item.payload);
		return;
	}
	memcpy(item.payload, (uint8_t *)(head + 1) + head->topic_length, head->payload_length);
	replay[replay_count++] = item;
}

static int journal_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if(fd < 0) return MOSQ_ERR_UNKNOWN;
	struct stat status;
	bool fresh = fstat(fd, &status) != 0 || (size_t)status.st_size != journal_bytes;
	if(fresh && ftruncate(fd, (off_t)journal_bytes) != 0){
		close(fd);
		return MOSQ_ERR_UNKNOWN;
	}
	void *mapped = mmap(NULL, journal_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if(mapped == MAP_FAILED) return MOSQ_ERR_UNKNOWN;
	journal = mapped;
	uint64_t half_bytes = (journal_bytes - sizeof(struct journal_header)) / 2 / 8 * 8;

	if(!fresh && journal->magic == JOURNAL_MAGIC && journal->half_bytes == half_bytes && !journal->clean){
		/* The broker did not stop cleanly: keep what it may have lost, the older half first. */
		int64_t since = 0;
		for_each_record(0, note_newest, &since);
		for_each_record(1, note_newest, &since);
		since -= journal_window_ms;
		for_each_record(journal->half ^ 1u, collect, &since);
		for_each_record(journal->half, collect, &since);
	}

	journal->magic = JOURNAL_MAGIC;
	journal->half_bytes = half_bytes;
	journal->half = 0;
	journal->offset = 0;
	*(uint32_t *)half_start(0) = 0;
	*(uint32_t *)half_start(1) = 0;
	__atomic_store_n(&journal->clean, 0, __ATOMIC_RELEASE);
	return MOSQ_ERR_SUCCESS;
}

static void journal_append(const char *topic, const void *payload, uint32_t payload_length)
{
	uint32_t topic_length = (uint32_t)strlen(topic);
	uint64_t length = (sizeof(struct record_head) + topic_length + payload_length + 7) / 8 * 8;
	if(length + sizeof(uint32_t) > journal->half_bytes) return; /* larger than a half: cannot be kept */
	if(journal->offset + length + sizeof(uint32_t) > journal->half_bytes){
		/* This half is full: the other one, whose records are older still, is overwritten from its start. */
		uint32_t next = journal->half ^ 1u;
		*(uint32_t *)half_start(next) = 0;
		journal->half = next;
		journal->offset = 0;
	}
	uint8_t *at = half_start(journal->half) + journal->offset;
	struct record_head *head = (struct record_head *)at;
	head->topic_length = topic_length;
	head->payload_length = payload_length;
	head->reserved = 0;
	head->time_ms = now_ms();
	memcpy(at + sizeof(struct record_head), topic, topic_length);
	if(payload_length > 0) memcpy(at + sizeof(struct record_head) + topic_length, payload, payload_length);
	*(uint32_t *)(at + length) = 0; /* The end, until the next record. */
	__atomic_store_n(&head->length, (uint32_t)length, __ATOMIC_RELEASE);
	journal->offset += length;
}

static void replay_journal(void)
{
	size_t published = 0;
	for(size_t i = 0; i < replay_count; i++){
		/* The broker takes the payload over on success. */
		if(mosquitto_broker_publish(NULL, replay[i].topic, (int)replay[i].payload_length, replay[i].payload, 1, false, NULL) == MOSQ_ERR_SUCCESS){
			published++;
		}else{
			free(replay[i].payload);
		}
		free(replay[i].topic);
	}
	if(replay_count > 0){
		mosquitto_log_printf(MOSQ_LOG_NOTICE,
				"iotaspire: the broker had not stopped cleanly; published again the %zu telemetry messages of the last %ld s it received",
				published, journal_window_ms / 1000);
	}
	free(replay);
	replay = NULL;
	replay_count = 0;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *auth = event_data;
	(void)event;
	(void)userdata;
	if(gate_open || is_exempt(auth->username)){
		return MOSQ_ERR_PLUGIN_DEFER; /* The next plugin (dynamic security) decides. */
	}
	if(refused++ % 1000 == 0){
		mosquitto_log_printf(MOSQ_LOG_NOTICE,
				"iotaspire: gate closed to %s: no consumer has subscribed since the broker started (%ld refused so far)",
				auth->username ? auth->username : "(no user name)", refused);
	}
	return MOSQ_ERR_UNKNOWN; /* Closes the connection without a CONNACK. */
}

static int on_control(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_control *control = event_data;
	const char *username = mosquitto_client_username(control->client);
	(void)event;
	(void)userdata;
	if(username == NULL || opener == NULL || strcmp(username, opener) != 0){
		return MOSQ_ERR_ACL_DENIED;
	}
	if(control->payloadlen == 4 && memcmp(control->payload, "open", 4) == 0 && !gate_open){
		/* What the last run may have lost goes out first, to the consumer that has just subscribed. */
		replay_journal();
		gate_open = true;
		mosquitto_log_printf(MOSQ_LOG_NOTICE, "iotaspire: gate open: %s has subscribed; %ld connections were refused meanwhile", username, refused);
	}
	return MOSQ_ERR_SUCCESS;
}

static int on_message(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_message *message = event_data;
	(void)event;
	(void)userdata;
	if(journal != NULL && message->qos > 0 && is_telemetry(message->topic)){
		journal_append(message->topic, message->payload, message->payloadlen);
	}
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for(int i = 0; i < supported_version_count; i++){
		if(supported_versions[i] == 5) return 5;
	}
	return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	const char *journal_path = NULL;
	(void)userdata;
	plugin_id = identifier;
	for(int i = 0; i < option_count; i++){
		if(strcmp(options[i].key, "opener") == 0){
			opener = strdup(options[i].value);
		}else if(strcmp(options[i].key, "exempt") == 0){
			exempt = wrapped_list(options[i].value);
		}else if(strcmp(options[i].key, "journal") == 0){
			journal_path = options[i].value;
		}else if(strcmp(options[i].key, "journal_bytes") == 0){
			journal_bytes = (size_t)strtoull(options[i].value, NULL, 10);
		}else if(strcmp(options[i].key, "journal_window") == 0){
			journal_window_ms = strtol(options[i].value, NULL, 10) * 1000;
		}
	}
	if(opener == NULL){
		mosquitto_log_printf(MOSQ_LOG_ERR, "iotaspire: plugin_opt_opener is required");
		return MOSQ_ERR_INVAL;
	}
	if(journal_path != NULL){
		if(journal_bytes < 1024 * 1024 || journal_open(journal_path) != MOSQ_ERR_SUCCESS){
			mosquitto_log_printf(MOSQ_LOG_ERR, "iotaspire: cannot open the journal %s (%zu bytes)", journal_path, journal_bytes);
			return MOSQ_ERR_UNKNOWN;
		}
	}
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "iotaspire: gate closed until %s subscribes (exempt: %s); journal %s, %zu messages to publish again",
			opener, exempt ? exempt : "none", journal_path ? journal_path : "off", replay_count);
	int rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, NULL);
	if(rc == MOSQ_ERR_SUCCESS) rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_CONTROL, on_control, GATE_TOPIC, NULL);
	if(rc == MOSQ_ERR_SUCCESS && journal != NULL) rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL);
	return rc;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_CONTROL, on_control, GATE_TOPIC);
	if(journal != NULL){
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
		/* A clean stop: the broker saves everything it holds, so nothing needs publishing again. */
		__atomic_store_n(&journal->clean, 1, __ATOMIC_RELEASE);
		munmap(journal, journal_bytes);
		journal = NULL;
	}
	for(size_t i = 0; i < replay_count; i++){
		free(replay[i].topic);
		free(replay[i].payload);
	}
	free(replay);
	free(opener);
	free(exempt);
	return MOSQ_ERR_SUCCESS;
}
