// The pipelines and searches GraceDB instances see, from which both the topic layout and the
// simulator's uploads derive, so that every simulated topic exists on the playground broker.

export type PlaygroundGroupName = "gracedb" | "gracedb-playground" | "gracedb-test";

export interface PipelineEntry {
  group: "CBC" | "Burst" | "External" | "Test";
  pipeline: string;
  searches: readonly string[];
}

export const PIPELINES: readonly PipelineEntry[] = [
  { group: "CBC", pipeline: "gstlal", searches: ["AllSky", "EarlyWarning", "SSM", "MDC"] },
  { group: "CBC", pipeline: "pycbc", searches: ["AllSky", "EarlyWarning", "MDC"] },
  { group: "CBC", pipeline: "MBTA", searches: ["AllSky", "EarlyWarning", "MDC"] },
  { group: "CBC", pipeline: "spiir", searches: ["AllSky", "EarlyWarning", "MDC"] },
  { group: "Burst", pipeline: "CWB", searches: ["AllSky", "BBH", "MDC"] },
  { group: "Burst", pipeline: "oLIB", searches: ["AllSky", "MDC"] },
  { group: "Burst", pipeline: "MLy", searches: ["AllSky", "MDC"] },
  { group: "External", pipeline: "Fermi", searches: ["GRB", "SubGRB", "SubGRBTargeted"] },
  { group: "External", pipeline: "Swift", searches: ["GRB", "SubGRBTargeted"] },
  { group: "External", pipeline: "INTEGRAL", searches: ["GRB"] },
  { group: "External", pipeline: "SVOM", searches: ["GRB"] },
  { group: "External", pipeline: "SNEWS", searches: ["Supernova", "MDC"] },
  { group: "External", pipeline: "IceCube", searches: ["HEN"] },
  { group: "Test", pipeline: "gstlal", searches: ["AllSky"] },
  { group: "Test", pipeline: "pycbc", searches: ["AllSky"] },
  { group: "Test", pipeline: "MBTA", searches: ["AllSky"] },
  { group: "Test", pipeline: "spiir", searches: ["AllSky"] },
  { group: "Test", pipeline: "CWB", searches: ["AllSky"] },
  { group: "Test", pipeline: "oLIB", searches: ["AllSky"] },
];

export const SUPEREVENT_TOPICS = ["superevent", "mdc_superevent", "test_superevent"] as const;

/** GraceDB's rule: lower-cased `<group>_<pipeline>`, plus `_<search>` when there is a search. */
export function eventTopicNames(group: string, pipeline: string, search: string | null): string[] {
  const base = `${group}_${pipeline}`.toLowerCase();
  return search ? [base, `${base}_${search.toLowerCase()}`] : [base];
}

export const API_ROOTS: Record<PlaygroundGroupName, string> = {
  "gracedb": "https://gracedb.ligo.org/api/",
  "gracedb-playground": "https://gracedb-playground.ligo.org/api/",
  "gracedb-test": "https://gracedb-test.ligo.org/api/",
};
