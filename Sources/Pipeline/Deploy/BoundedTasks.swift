/// Work over many items with at most a given number at once: a run over several targets
/// prepares, shifts and restores through it.
enum BoundedTasks {
    /// Runs `body` over `items`, at most `limit` at once; results in the items' order. Once an
    /// output satisfies `stop`, the running ones are cancelled and no more start: theirs are nil.
    static func run<Item: Sendable, Output: Sendable>(
        _ items: [Item], limit: Int, stop: @escaping (Output) -> Bool = { _ in false },
        _ body: @escaping @Sendable (Item) async -> Output
    ) async -> [Output?] {
        await withTaskGroup(of: (Int, Output).self) { group in
            var results: [Output?] = Array(repeating: nil, count: items.count)
            var next = 0, stopped = false
            func start(_ group: inout TaskGroup<(Int, Output)>) {
                let index = next, item = items[index]
                group.addTask { (index, await body(item)) }
                next += 1
            }
            while next < min(limit, items.count) { start(&group) }
            while let (index, output) = await group.next() {
                results[index] = output
                if !stopped && stop(output) {
                    stopped = true
                    group.cancelAll()
                }
                if !stopped && next < items.count { start(&group) }
            }
            return results
        }
    }
}
