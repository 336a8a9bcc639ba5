import CorsscanCore

/// The knobs of correlation and joining (SPEC "Correlation"; defaults as documented there).
public struct AnalysisOptions: Sendable {
    /// `--window`: how long after a preflight its follow-up may arrive.
    public var windowMs: Int64 = 10_000
    /// `--max-skew`: how late a record may be inside its file and still be merged in order.
    public var maxSkewMs: Int64 = 5_000
    /// `--clock-skew`: tolerance between browser and gateway clocks when joining.
    public var clockSkewMs: Int64 = 2_000
    /// `--gateway-responses-have-cors`: the user put CORS headers on gateway responses, so
    /// gateway-generated errors are not masked as CORS errors.
    public var gatewayResponsesHaveCORS = false
    /// Bound on preflights waiting for their follow-up (each holds its record, ~0.5 KB).
    /// Past it the oldest are evicted and counted (`totals.evicted`).
    public var maxPendingPreflights = 50_000
    /// Bound on clients remembered as cross-origin callers (a hash and a time each).
    /// Past it the oldest are evicted and counted (`totals.evicted`).
    public var maxTrackedClients = 250_000
    /// Bound on the recent records remembered (by request id, time, method, status, client
    /// and path) to drop repeated deliveries (overlapping exports, Firehose retries); past it
    /// the oldest are forgotten (a repeat of those is then used twice). 0.75 MB, written in
    /// order (`RecentRecords`): the check for a record in time order touches only a small
    /// set of the records at its time.
    public var maxRecentRequestIds = 32_768
    /// How long a client that sent a preflight is remembered as a cross-origin caller,
    /// so a gateway error on a later request without its own preflight (a cached preflight,
    /// a simple request) still counts as masked. Browsers cache a preflight for 5 s when the
    /// response has no Access-Control-Max-Age and for at most 2 h (Chromium) otherwise; 10
    /// minutes covers the common Max-Age values while keeping memory to the clients of the
    /// last 10 minutes.
    public var corsClientMemoryMs: Int64 = 600_000

    public init() {}
}
