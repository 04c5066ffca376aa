import Foundation

/// Plain-text tables for stdout.
enum ReportTable {
    /// One run: a heading with the parameters, then one row per metric.
    static func render(_ report: BenchReport) -> String {
        let parameters = report.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var lines = ["\(report.label) [\(report.mode)] \(parameters.joined(separator: " "))"]
        let width = max(24, report.metrics.map(\.label.count).max() ?? 0)
        for metric in report.metrics {
            lines.append("  " + pad(metric.label, width) + "  " + leftPad(format(metric.value), 14) + " " + metric.unit)
        }
        return lines.joined(separator: "\n")
    }

    /// Columns padded to their widest cell; the first row is the heading.
    static func grid(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { pad($0.element, widths[$0.offset]) }.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    /// Integers without decimals; others with one to three decimals depending on their size.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        let magnitude = abs(value)
        return String(format: magnitude >= 100 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
