/*
 * A Kafka cluster for fault tests, on librdkafka's mock cluster API: written and driven by
 * librdkafka's own authors, so that what we measure against it is not shaped by our broker.
 *
 * Usage: mock_cluster [BROKERS]  (default 3)
 *
 * Prints the bootstrap servers as its first line, then reads one command per line on stdin and
 * answers each with one line, "ok" (or "ok N" for pending) or "error <text>":
 *
 *   create TOPIC PARTITIONS REPLICATION
 *   leader TOPIC PARTITION BROKER_ID         (the mock creates an unknown TOPIC first)
 *   coordinator group|transaction KEY BROKER_ID
 *   down BROKER_ID
 *   up BROKER_ID
 *   errors API_KEY CODE [CODE...]            next requests of that API fail, on any broker
 *   broker-errors BROKER_ID API_KEY CODE RTT_MS [CODE RTT_MS...]
 *   pending BROKER_ID API_KEY                answers "ok N": broker-errors not yet used
 *   clear API_KEY                            drops what "errors" queued and was not used
 *   rtt BROKER_ID MS
 *   quit
 *
 * End of input ends it as "quit" does. The mock brokers listen on 127.0.0.1 with ports the
 * kernel picks (librdkafka binds INADDR_LOOPBACK, port 0).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_WORDS 64
#define MAX_LINE 4096

static rd_kafka_mock_cluster_t *cluster;

static void answer(rd_kafka_resp_err_t err) {
        if (err)
                printf("error %s: %s\n", rd_kafka_err2name(err), rd_kafka_err2str(err));
        else
                printf("ok\n");
}

/* Parses a whole decimal integer in [min, max]; returns 0 on success. */
static int number(const char *word, long min, long max, long *out) {
        char *end;
        errno = 0;
        long value = strtol(word, &end, 10);
        if (errno || end == word || *end || value < min || value > max) return -1;
        *out = value;
        return 0;
}

static void run(char **w, int n) {
        const char *cmd = w[0];
        long a, b, c;

        if (!strcmp(cmd, "create")) {
                if (n != 4 || number(w[2], 1, 100000, &a) || number(w[3], 1, 1000, &b)) {
                        printf("error usage: create TOPIC PARTITIONS REPLICATION\n");
                        return;
                }
                answer(rd_kafka_mock_topic_create(cluster, w[1], (int)a, (int)b));
        } else if (!strcmp(cmd, "leader")) {
                if (n != 4 || number(w[2], 0, INT32_MAX, &a) || number(w[3], -1, INT32_MAX, &b)) {
                        printf("error usage: leader TOPIC PARTITION BROKER_ID\n");
                        return;
                }
                answer(rd_kafka_mock_partition_set_leader(cluster, w[1], (int32_t)a, (int32_t)b));
        } else if (!strcmp(cmd, "coordinator")) {
                if (n != 4 || (strcmp(w[1], "group") && strcmp(w[1], "transaction")) ||
                    number(w[3], 1, INT32_MAX, &a)) {
                        printf("error usage: coordinator group|transaction KEY BROKER_ID\n");
                        return;
                }
                answer(rd_kafka_mock_coordinator_set(cluster, w[1], w[2], (int32_t)a));
        } else if (!strcmp(cmd, "down") || !strcmp(cmd, "up")) {
                if (n != 2 || number(w[1], 1, INT32_MAX, &a)) {
                        printf("error usage: %s BROKER_ID\n", cmd);
                        return;
                }
                answer(!strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(cluster, (int32_t)a)
                                            : rd_kafka_mock_broker_set_up(cluster, (int32_t)a));
        } else if (!strcmp(cmd, "errors")) {
                rd_kafka_resp_err_t errs[MAX_WORDS];
                if (n < 3 || number(w[1], 0, INT16_MAX, &a)) {
                        printf("error usage: errors API_KEY CODE [CODE...]\n");
                        return;
                }
                for (int i = 2; i < n; i++) {
                        if (number(w[i], -200, 10000, &b)) {
                                printf("error not an error code: %s\n", w[i]);
                                return;
                        }
                        errs[i - 2] = (rd_kafka_resp_err_t)b;
                }
                rd_kafka_mock_push_request_errors_array(cluster, (int16_t)a, (size_t)(n - 2), errs);
                printf("ok\n");
        } else if (!strcmp(cmd, "broker-errors")) {
                if (n < 5 || (n - 3) % 2 || number(w[1], 1, INT32_MAX, &a) ||
                    number(w[2], 0, INT16_MAX, &b)) {
                        printf("error usage: broker-errors BROKER_ID API_KEY CODE RTT_MS "
                               "[CODE RTT_MS...]\n");
                        return;
                }
                for (int i = 3; i < n; i += 2) {
                        long rtt;
                        if (number(w[i], -200, 10000, &c) || number(w[i + 1], 0, 3600000, &rtt)) {
                                printf("error not a CODE RTT_MS pair: %s %s\n", w[i], w[i + 1]);
                                return;
                        }
                }
                /* The call is variadic; one pair per call appends to the same queue in order. */
                for (int i = 3; i < n; i += 2) {
                        number(w[i], -200, 10000, &c);
                        long rtt;
                        number(w[i + 1], 0, 3600000, &rtt);
                        rd_kafka_resp_err_t err = rd_kafka_mock_broker_push_request_error_rtts(
                            cluster, (int32_t)a, (int16_t)b, 1, (rd_kafka_resp_err_t)c, (int)rtt);
                        if (err) {
                                answer(err);
                                return;
                        }
                }
                printf("ok\n");
        } else if (!strcmp(cmd, "pending")) {
                size_t cnt = 0;
                rd_kafka_resp_err_t err;
                if (n != 3 || number(w[1], 1, INT32_MAX, &a) || number(w[2], 0, INT16_MAX, &b)) {
                        printf("error usage: pending BROKER_ID API_KEY\n");
                        return;
                }
                err = rd_kafka_mock_broker_error_stack_cnt(cluster, (int32_t)a, (int16_t)b, &cnt);
                if (err)
                        answer(err);
                else
                        printf("ok %zu\n", cnt);
        } else if (!strcmp(cmd, "clear")) {
                if (n != 2 || number(w[1], 0, INT16_MAX, &a)) {
                        printf("error usage: clear API_KEY\n");
                        return;
                }
                rd_kafka_mock_clear_request_errors(cluster, (int16_t)a);
                printf("ok\n");
        } else if (!strcmp(cmd, "rtt")) {
                if (n != 3 || number(w[1], 1, INT32_MAX, &a) || number(w[2], 0, 3600000, &b)) {
                        printf("error usage: rtt BROKER_ID MS\n");
                        return;
                }
                answer(rd_kafka_mock_broker_set_rtt(cluster, (int32_t)a, (int)b));
        } else {
                printf("error unknown command: %s\n", cmd);
        }
}

int main(int argc, char **argv) {
        long brokers = 3;
        char errstr[512];
        char line[MAX_LINE];

        if (argc > 2 || (argc == 2 && number(argv[1], 1, 64, &brokers))) {
                fprintf(stderr, "usage: %s [BROKERS]\n", argv[0]);
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);

        /* The mock cluster needs a client handle for its bookkeeping; this one never connects. */
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        cluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!cluster) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));

        while (fgets(line, sizeof(line), stdin)) {
                char *words[MAX_WORDS];
                int n = 0;
                size_t len = strlen(line);
                if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
                        int ch;
                        while ((ch = getchar()) != EOF && ch != '\n') {}
                        printf("error line longer than %d bytes\n", MAX_LINE - 2);
                        continue;
                }
                for (char *save = NULL, *word = strtok_r(line, " \t\r\n", &save);
                     word && n < MAX_WORDS; word = strtok_r(NULL, " \t\r\n", &save))
                        words[n++] = word;
                if (n == 0) {
                        printf("error empty command\n");
                        continue;
                }
                if (!strcmp(words[0], "quit")) {
                        printf("ok\n");
                        break;
                }
                run(words, n);
        }

        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(rk);
        return 0;
}
