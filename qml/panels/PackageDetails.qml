import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The selected package and what a dispatcher may do with it now: assign (with the nearest free
// courier suggested), reassign, start, complete, fail or cancel.
Rectangle {
    id: details

    // The selected PackageDelegate, or null.
    property var pkg: null
    property var controller: null
    property var courierModel: null
    readonly property string status: pkg ? pkg.status : ""
    property string suggestedId: ""

    signal failRequested(string packageId, string trackingCode)
    signal cancelRequested(string packageId, string trackingCode)

    function suggest() {
        suggestedId = pkg && controller ? controller.suggestCourier(pkg.packageId) : "";
        if (suggestedId.length > 0)
            courierBox.currentIndex = courierModel.rowOf(suggestedId);
    }

    // The package's proof of delivery (ConsoleController.proof()), read when it is selected or
    // its status changes; an empty object when it has none.
    property var proof: ({})
    function readProof() {
        proof = pkg && controller && (status === "COMPLETED" || status === "IN_PROGRESS"
                                      || status === "ASSIGNED")
                ? controller.proof(pkg.packageId) : ({});
    }

    onPkgChanged: {
        suggest();
        readProof();
    }
    onStatusChanged: readProof()

    implicitHeight: content.implicitHeight + 2 * Theme.margin
    color: Theme.panelHeader

    Rectangle {
        width: parent.width
        height: 1
        color: Theme.border
    }

    ColumnLayout {
        id: content
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.spacing

        Label {
            visible: !details.pkg
            Layout.fillWidth: true
            text: qsTr("Select a package to act on it, or drag it onto a courier.")
            color: Theme.textMuted
            wrapMode: Text.WordWrap
        }

        RowLayout {
            visible: !!details.pkg
            Layout.fillWidth: true
            Label {
                text: details.pkg ? details.pkg.trackingCode : ""
                color: Theme.text
                font.family: "monospace"
                font.bold: true
                font.pixelSize: Theme.fontTitle
            }
            Item { Layout.fillWidth: true }
            StatusChip { status: details.status }
        }
        Label {
            visible: !!details.pkg
            Layout.fillWidth: true
            text: details.pkg ? qsTr("%1, %2").arg(details.pkg.recipientName).arg(details.pkg.address) : ""
            color: Theme.text
            wrapMode: Text.WordWrap
        }
        Label {
            visible: !!details.pkg && details.pkg.courierName.length > 0
            Layout.fillWidth: true
            text: details.pkg ? qsTr("Courier: %1").arg(details.pkg.courierName) : ""
            color: Theme.textMuted
        }
        Label {
            visible: !!details.pkg && details.pkg.notes.length > 0
            Layout.fillWidth: true
            text: details.pkg ? qsTr("Notes: %1").arg(details.pkg.notes) : ""
            color: Theme.textMuted
            wrapMode: Text.WordWrap
        }

        ColumnLayout {
            objectName: "proofSection"
            visible: !!details.pkg && !!details.proof.id
            Layout.fillWidth: true
            spacing: Theme.spacing / 2
            Label {
                Layout.fillWidth: true
                text: qsTr("Delivered to %1").arg(details.proof.recipientName || "")
                color: Theme.text
                font.bold: true
                wrapMode: Text.WordWrap
            }
            Label {
                visible: !!details.proof.note
                Layout.fillWidth: true
                text: qsTr("Courier's note: %1").arg(details.proof.note || "")
                color: Theme.textMuted
                wrapMode: Text.WordWrap
            }
            Flow {
                Layout.fillWidth: true
                spacing: Theme.spacing
                Repeater {
                    model: (details.proof.signature ? [details.proof.signature] : [])
                           .concat(details.proof.photos || [])
                    delegate: Image {
                        objectName: "proofThumbnail"
                        required property string modelData
                        required property int index
                        width: 72
                        height: 72
                        source: modelData
                        sourceSize.width: 144
                        sourceSize.height: 144
                        fillMode: Image.PreserveAspectFit
                        asynchronous: true
                        Accessible.name: index === 0 && details.proof.signature ? qsTr("Signature")
                                                                                 : qsTr("Photo")
                        MouseArea {
                            anchors.fill: parent
                            cursorShape: Qt.PointingHandCursor
                            onClicked: {
                                enlarged.source = parent.modelData;
                                enlargedPopup.open();
                            }
                        }
                    }
                }
            }
        }

        RowLayout {
            visible: details.status === "PENDING" || details.status === "ASSIGNED"
            Layout.fillWidth: true
            ComboBox {
                id: courierBox
                objectName: "courierBox"
                Layout.fillWidth: true
                model: details.courierModel
                textRole: "name"
                valueRole: "courierId"
                displayText: currentIndex < 0 ? qsTr("Choose a courier") : currentText
                Accessible.name: qsTr("Courier")
            }
            Button {
                objectName: "assignButton"
                text: details.status === "ASSIGNED" ? qsTr("Reassign") : qsTr("Assign")
                enabled: courierBox.currentIndex >= 0
                highlighted: true
                onClicked: details.controller.assign(details.pkg.packageId, courierBox.currentValue)
            }
        }
        Label {
            visible: (details.status === "PENDING" || details.status === "ASSIGNED")
            Layout.fillWidth: true
            text: details.suggestedId.length > 0
                  ? qsTr("Nearest free courier: %1").arg(details.controller.courierName(details.suggestedId))
                  : qsTr("No free courier with a known position")
            color: Theme.textMuted
            font.pixelSize: Theme.fontSmall
            MouseArea {
                anchors.fill: parent
                onClicked: details.suggest()
            }
        }

        Flow {
            visible: !!details.pkg
            Layout.fillWidth: true
            spacing: Theme.spacing
            Button {
                objectName: "startButton"
                visible: details.status === "ASSIGNED"
                text: qsTr("Start")
                onClicked: details.controller.start(details.pkg.packageId)
            }
            Button {
                objectName: "completeButton"
                visible: details.status === "IN_PROGRESS"
                text: qsTr("Complete")
                onClicked: details.controller.complete(details.pkg.packageId)
            }
            Button {
                objectName: "failButton"
                visible: details.status === "ASSIGNED" || details.status === "IN_PROGRESS"
                text: qsTr("Fail…")
                onClicked: details.failRequested(details.pkg.packageId, details.pkg.trackingCode)
            }
            Button {
                objectName: "cancelButton"
                visible: details.status === "PENDING" || details.status === "ASSIGNED"
                         || details.status === "IN_PROGRESS"
                text: qsTr("Cancel…")
                onClicked: details.cancelRequested(details.pkg.packageId, details.pkg.trackingCode)
            }
            Label {
                visible: details.status === "COMPLETED" || details.status === "FAILED"
                         || details.status === "CANCELLED"
                text: qsTr("This package is closed.")
                color: Theme.textMuted
            }
        }
    }

    Popup {
        id: enlargedPopup
        objectName: "proofPopup"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: parent ? Math.min(parent.width * 0.9, 1000) : 600
        height: parent ? Math.min(parent.height * 0.9, 800) : 450
        modal: true
        padding: Theme.margin
        Image {
            id: enlarged
            anchors.fill: parent
            fillMode: Image.PreserveAspectFit
            asynchronous: true
            MouseArea {
                anchors.fill: parent
                onClicked: enlargedPopup.close()
            }
        }
    }
}
