import CorsscanCore
struct CDPCollector { let input: Int32; init(input: Int32) { self.input = input }
  mutating func consume(_ v: JSONValue, line: Int64) -> SkipReason? { .notCORS }
  mutating func finish() -> [BrowserReport] { [] } }
struct ExecutionLogCollector { let input: Int32; init(input: Int32) { self.input = input }
  mutating func consume(_ s: String, line: Int64) -> SkipReason? { .notCORS }
  mutating func finish() -> [BrowserReport] { [] } }
