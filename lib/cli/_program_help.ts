// Written by `UPDATE_GOLDEN=1 deno test -A --frozen tests/cli_help_test.ts` from the
// commander program in `_program.ts`; that test fails whenever the two differ.

/** Program help, printed by `main.ts` for `igwn-alert`, `--help`, `-h` and `help` so that
 * these do not load commander. */
export const PROGRAM_HELP: string = `Usage: igwn-alert [options] [command]

Listen to and publish IGWN (GraceDB) alerts on a Hopskotch Kafka broker.

Options:
  -V, --version                      print the version and exit
  --no-auth                          connect without authentication (plaintext,
                                     no SASL)
  -g, --group <group>                GraceDB group (topic prefix) (default:
                                     "gracedb")
  -c, --consumer-group <id>          listen: Kafka consumer group id (default:
                                     generated)
  -j, --jsonpp                       listen: pretty-print the alerts
  -l, --log <level>                  log level (choices: "critical", "error",
                                     "warning", "info", "debug", default:
                                     "error")
  -n, --netrc [file]                 take the credential from a netrc file
                                     (default: $NETRC, else ~/.netrc)
  -p, --port <port>                  broker port (default: the port in --server,
                                     else 9092)
  -r, --retry-on-fatal               listen: reconnect after fatal Kafka errors
  -s, --server <url>                 broker URL kafka://host[:port]/ (default:
                                     "kafka://kafka.scimma.org/")
  -t, --listen_retries <n>           listen, with -r: reconnections allowed
                                     after consecutive fatal errors (default: 3)
  -u, --username <name>              use the auth.toml credential with this
                                     username
  -w, --retry_wait <seconds>         listen, with -r: seconds to wait before
                                     each reconnection (default: 0.1)
  --auth-file <file>                 hop auth.toml to use instead of the default
  --no-tls                           SASL without TLS (SASL_PLAINTEXT brokers,
                                     e.g. playground)
  --ca-file <file>                   PEM CA bundle to verify the broker's
                                     certificate
  --timeout <seconds>                give up connecting after this many seconds
                                     (> 0) (default: 10)
  -h, --help                         print this help and exit

Commands:
  listen [options] [topics...]       print alerts from the group's topics
  topics [options]                   list the group's topics the credential may
                                     read
  subscriptions [arguments...]       deprecated; does nothing
  unsubscribe [arguments...]         deprecated; does nothing
  send [options] <topic> <files...>  publish alert files to a topic
  auth [options]                     authentication configuration utilities
  broker [options]                   run a local Kafka-protocol broker (for
                                     tests and offline playgrounds)
  playground [options]               run an offline GraceDB: a local broker fed
                                     with simulated alerts
  hop [args...]                      hop-client's command line: publish,
                                     subscribe, list-topics, auth, configure
  help [command]                     print the help of a command
`;
