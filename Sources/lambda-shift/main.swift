import Foundation
import LambdaShiftCLI

exit(await LambdaShiftMain.run())
