import QtQuick
import Depot.Console

// A round dot in a status or state colour.
Rectangle {
    property color dotColor: Theme.textMuted

    implicitWidth: Theme.dotSize
    implicitHeight: Theme.dotSize
    radius: width / 2
    color: dotColor
}
