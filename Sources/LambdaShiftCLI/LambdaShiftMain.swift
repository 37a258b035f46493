import ArgumentParser

public enum LambdaShiftMain {
    public static func run() async {}
}
