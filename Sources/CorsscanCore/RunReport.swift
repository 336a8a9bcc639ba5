/// Everything a finished run hands to the writers: read-only, already aggregated and
/// sorted, so every writer is a pure function of it (plus the incident rows, which the
/// pipeline streams to `incidents.csv` separately and keeps samples of here).
public struct RunReport: Sendable {
    /// Schema version of `summary.json`.
    public static let schemaVersion = 1

    public var version: String
    /// When the report was generated (epoch ms); pinned by `--now` / `SOURCE_DATE_EPOCH`.
    public var generated: Int64
    public var windowSeconds: Int
    public var maxSkewSeconds: Int
    /// First and last record time seen across all inputs (epoch ms), nil when none.
    public var firstTime: Int64?
    public var lastTime: Int64?
    /// Inputs in the run's order (sorted by path); `SourceLocation.input` indexes this.
    public var inputs: [InputStats]
    public var totals: Totals
    /// Incident count per class; classes with none are absent.
    public var byClass: [FailureClass: Int]
    /// `summary.csv` rows, sorted by class, stage, method, path, origin.
    public var rows: [SummaryRow]
    /// Incident counts per minute (start of minute, epoch ms) and class, ascending.
    public var perMinute: [MinuteCount]
    /// Top routes (method + path), origins and clients (ip + user agent), most first.
    public var topRoutes: [Ranked]
    public var topOrigins: [Ranked]
    public var topClients: [Ranked]
    /// Up to a few sample incidents per class, in report order.
    public var samples: [FailureClass: [Incident]]
    /// Advice about the run itself (e.g. "raise --max-skew"), shown in text and HTML.
    public var notes: [String]

    public init(version: String, generated: Int64, windowSeconds: Int, maxSkewSeconds: Int,
                firstTime: Int64? = nil, lastTime: Int64? = nil, inputs: [InputStats] = [],
                totals: Totals = Totals(), byClass: [FailureClass: Int] = [:], rows: [SummaryRow] = [],
                perMinute: [MinuteCount] = [], topRoutes: [Ranked] = [], topOrigins: [Ranked] = [],
                topClients: [Ranked] = [], samples: [FailureClass: [Incident]] = [:], notes: [String] = []) {
        self.version = version
        self.generated = generated
        self.windowSeconds = windowSeconds
        self.maxSkewSeconds = maxSkewSeconds
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.inputs = inputs
        self.totals = totals
        self.byClass = byClass
        self.rows = rows
        self.perMinute = perMinute
        self.topRoutes = topRoutes
        self.topOrigins = topOrigins
        self.topClients = topClients
        self.samples = samples
        self.notes = notes
    }

    /// The `source` column text of an incident: `path:line`.
    public func sourceText(_ loc: SourceLocation) -> String {
        let i = Int(loc.input)
        let path = inputs.indices.contains(i) ? inputs[i].path : "?"
        return "\(path):\(loc.line)"
    }

    /// Run-wide counters (SPEC `totals`).
    public struct Totals: Sendable, Equatable {
        public var lines: Int64 = 0
        public var records: Int64 = 0
        public var skipped: Int64 = 0
        public var preflights: Int64 = 0
        public var followed: Int64 = 0
        public var incidents: Int64 = 0
        public var undetermined: Int64 = 0
        public var late: Int64 = 0
        /// Browser reports that were joined to a gateway record.
        public var joined: Int64 = 0
        /// Pending preflights dropped unresolved because more were pending than the bound allows.
        public var evicted: Int64 = 0
        /// Cross-origin callers forgotten early because more were remembered than the bound
        /// allows (a gateway error of theirs without a preflight may then go unnoticed).
        public var forgotten: Int64 = 0
        public init() {}
    }

    /// One `summary.csv` row.
    public struct SummaryRow: Sendable, Equatable {
        public var failureClass: FailureClass
        public var stage: Stage
        public var method: String
        public var path: String
        public var origin: String
        public var count: Int
        public var firstSeen: Int64
        public var lastSeen: Int64
        public init(failureClass: FailureClass, stage: Stage, method: String, path: String, origin: String,
                    count: Int, firstSeen: Int64, lastSeen: Int64) {
            self.failureClass = failureClass
            self.stage = stage
            self.method = method
            self.path = path
            self.origin = origin
            self.count = count
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
        }
    }

    /// Incidents in one minute, by class.
    public struct MinuteCount: Sendable, Equatable {
        public var minute: Int64
        public var counts: [FailureClass: Int]
        public init(minute: Int64, counts: [FailureClass: Int]) {
            self.minute = minute
            self.counts = counts
        }
    }

    /// A value with its incident count.
    public struct Ranked: Sendable, Equatable {
        public var label: String
        public var count: Int
        public init(label: String, count: Int) {
            self.label = label
            self.count = count
        }
    }
}
