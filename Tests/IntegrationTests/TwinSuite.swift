import Testing

/// Every test that uses the twin runs one at a time: they share one twin, its fault rules
/// and its request log.
@Suite("Against the local AWS twin", .serialized)
struct TwinSuite {}
