import Testing

extension Tag {
    /// A test that reaches an independent reference through `python3` (json, PyYAML, scipy,
    /// botocore, zipfile). Each such test is also named `…Python()`, because `swift test` of
    /// Swift 6.3 filters by name, not yet by tag: `swift test --skip 'Python\\(\\)'` runs the
    /// rest on a machine without Python, and `scripts/test` proves it with Python off PATH.
    @Tag package static var python: Self
}
