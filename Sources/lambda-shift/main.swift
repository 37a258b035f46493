import LambdaShiftCLI

await LambdaShiftMain.run()
