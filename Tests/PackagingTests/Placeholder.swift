import Packaging
