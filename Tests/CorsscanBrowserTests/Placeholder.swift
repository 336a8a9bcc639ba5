import XCTest

final class PlaceholderBrowserTests: XCTestCase {}
