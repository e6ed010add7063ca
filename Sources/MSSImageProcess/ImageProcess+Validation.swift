extension ImageProcess {
    /// Checks that every value lies in the grammar's ranges. A parsed process always does; one
    /// built with the typed methods or by setting fields can hold any `Int`, and whoever renders
    /// it relies on the ranges to keep its arithmetic in bounds. Parsing the canonical form
    /// applies exactly the bounds parsing a string does, so there is one set of ranges.
    public func validate() throws(ImageProcessError) {
        guard !actions.isEmpty else { return }
        _ = try ImageProcess(parsing: rendered)
    }
}
