import XCTest

final class PlaceholderReportTests: XCTestCase {}
