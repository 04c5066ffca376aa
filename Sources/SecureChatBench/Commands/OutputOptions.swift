import ArgumentParser

/// Where a run's results go, for every mode: the table on stdout, and JSON for machines.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also write the results to this file as JSON.", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("A name for this run in the table and the JSON (default: the mode).", valueName: "name"))
    var label: String?

    /// Prints the table and writes the JSON file if asked.
    func publish(_ report: BenchReport) throws {
        print(ReportTable.render(report))
        if let json { try report.write(toJSON: json) }
    }
}
