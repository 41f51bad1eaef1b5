// Lists of values GraceDB defines, as of the sources listed in types.ts. Schemas check them with
// `known`: a value missing here (one GraceDB added later) is accepted and reported as unknown.

/** VOEvent types: Preliminary, Initial, Update, Retraction, EarlyWarning. */
export const VOEVENT_TYPES = ["PR", "IN", "UP", "RE", "EW"] as const;

/** Catalog chunk labels: `CHUNK_1` to `CHUNK_40`. */
const CHUNK_LABELS: readonly `CHUNK_${number}`[] = Array.from(
  { length: 40 },
  (_, i) => `CHUNK_${i + 1}` as const,
);

/** Labels GraceDB defines (labels.rst and the label migrations). */
export const LABELS = [
  "2022_LENSING_MDC",
  "ADVNO",
  "ADVOK",
  "ADVREQ",
  "COMBINEDSKYMAP_READY",
  "cWB_r",
  "cWB_s",
  "DQOK",
  "DQR_REQUEST",
  "DQV",
  "EARLY_WARNING",
  "EMBRIGHT_READY",
  "EM_COINC",
  "EM_READY",
  "EM_SENT",
  "EM_Selected",
  "EM_SelectedConfident",
  "EM_Superseded",
  "EM_Throttled",
  "EXT_SKYMAP_READY",
  "GCN_PRELIM_SENT",
  "GRB_OFFLINE",
  "GRB_ONLINE",
  "H1NO",
  "H1OK",
  "H1OPS",
  "HIGH_PROFILE",
  "HWINJNO",
  "HWINJOK",
  "HWINJREQ",
  "INJ",
  "L1NO",
  "L1OK",
  "L1OPS",
  "LENSED_CANDIDATE",
  "LLAMA_COMPLETE",
  "LOW_SIGNIF_LOCKED",
  "LOW_SIGNIF_PRELIM_SENT",
  "LUMIN_GO",
  "LUMIN_NO",
  "NOT_GRB",
  "PASTRO_READY",
  "PE_READY",
  "RAVEN_ALERT",
  "SIGNIF_LOCKED",
  "SKYMAP_READY",
  "SNR_OPTIMIZED",
  "SOG_READY",
  "SSM",
  "SWIFT_GO",
  "SWIFT_NO",
  "V1NO",
  "V1OK",
  "V1OPS",
  // Catalog and parameter-estimation labels.
  "PRELIM",
  "FINAL",
  "NONE",
  "O3A_CBC_CATALOG",
  "O3B_CBC_CATALOG",
  "O3A_CBC_SUBTHRESHOLD",
  "O3B_CBC_SUBTHRESHOLD",
  ...CHUNK_LABELS,
  "CHUNK_UNKNOWN",
  // `SSM` was renamed so that it differs from the search of that name.
  "SUBSOLAR_MASS",
] as const;

/** Analysis groups. */
export const EVENT_GROUPS = ["CBC", "Burst", "Detchar", "External", "Test"] as const;

/** Pipelines, as GraceDB spells them. */
export const PIPELINES = [
  "CWB2G",
  "spiir",
  "HardwareInjection",
  "X",
  "Q",
  "Omega",
  "Ringdown",
  "Fermi",
  "Swift",
  "CWB",
  "SNEWS",
  "oLIB",
  "pycbc",
  "INTEGRAL",
  "AGILE",
  "gstlal",
  "MLy",
  "MBTAOnline",
  "MBTA",
  "CHIME",
  "PyGRB",
  "aframe",
  "SVOM",
  "IceCube",
] as const;

/** Searches. */
export const SEARCHES = [
  "AllSky",
  "LowMass",
  "HighMass",
  "GRB",
  "Supernova",
  "MDC",
  "LowMassSim",
  "AllSkyLong",
  "O2VirgoTest",
  "BBH",
  "IMBH",
  "SubGRB",
  "EarlyWarning",
  "SubGRBTargeted",
  "SSM",
  "FRB",
  "LensingSubthreshold",
  "VTInjection",
  "HEN",
] as const;

/** Superevent categories; each has its own topic and id prefix. */
export const SUPEREVENT_CATEGORIES = ["Production", "Test", "MDC"] as const;
