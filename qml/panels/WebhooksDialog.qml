import QtQuick
import Depot.Console
import QtQuick.Controls
import QtQuick.Layouts

// The depot's webhooks: the list, a form to add one, deleting, and each one's recent
// deliveries and failures.
Dialog {
    id: dialog

    // A WebhooksController.
    property var webhooks: null
    property var list: []
    property string selectedId: ""
    property var deliveries: []
    property string shownSecret: ""

    function reload() {
        list = webhooks ? webhooks.webhooks() : [];
        if (!list.some(w => w.id === selectedId))
            selectedId = list.length > 0 ? list[0].id : "";
        deliveries = webhooks && selectedId ? webhooks.deliveries(selectedId) : [];
    }

    function show() {
        shownSecret = "";
        errorLabel.text = "";
        reload();
        open();
    }

    function stateText(state) {
        if (state === "delivered")
            return qsTr("delivered");
        if (state === "failed")
            return qsTr("failed, given up");
        return qsTr("waiting to be retried");
    }

    title: qsTr("Webhooks")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 800, 820)
    height: Math.min(parent ? parent.height - 40 : 600, 640)
    standardButtons: Dialog.Close

    Timer {
        // Deliveries move on while the page is open.
        interval: 2000
        repeat: true
        running: dialog.visible
        onTriggered: dialog.deliveries = dialog.webhooks && dialog.selectedId
                     ? dialog.webhooks.deliveries(dialog.selectedId) : []
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        Label {
            text: qsTr("Add a webhook")
            font.bold: true
        }
        RowLayout {
            Layout.fillWidth: true
            TextField {
                id: urlField
                objectName: "webhookUrlField"
                Layout.fillWidth: true
                placeholderText: qsTr("https://example.com/depot-events")
                selectByMouse: true
            }
            TextField {
                id: secretField
                Layout.preferredWidth: 200
                placeholderText: qsTr("Secret (empty: one is made)")
                selectByMouse: true
            }
        }
        Flow {
            Layout.fillWidth: true
            spacing: 4
            Repeater {
                id: eventBoxes
                model: dialog.webhooks ? dialog.webhooks.knownEvents : []
                CheckBox {
                    required property string modelData
                    text: modelData
                    checked: modelData === "package:update"
                }
            }
        }
        RowLayout {
            Button {
                objectName: "addWebhookButton"
                text: qsTr("Add")
                enabled: urlField.text.trim().length > 0
                onClicked: {
                    const events = [];
                    for (let i = 0; i < eventBoxes.count; ++i) {
                        const box = eventBoxes.itemAt(i);
                        if (box.checked)
                            events.push(box.text);
                    }
                    const secret = dialog.webhooks.add(urlField.text, events, secretField.text);
                    if (secret.length > 0) {
                        dialog.shownSecret = secret;
                        errorLabel.text = "";
                        urlField.text = "";
                        secretField.text = "";
                        dialog.reload();
                    } else {
                        errorLabel.text = dialog.webhooks.lastError;
                    }
                }
            }
            Label {
                id: errorLabel
                Layout.fillWidth: true
                color: Theme.danger
                wrapMode: Text.Wrap
            }
        }
        TextField {
            Layout.fillWidth: true
            visible: dialog.shownSecret.length > 0
            readOnly: true
            selectByMouse: true
            text: qsTr("Secret (shown once; receivers check signatures with it): %1").arg(dialog.shownSecret)
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 12

            ListView {
                id: hookList
                objectName: "webhookList"
                Layout.preferredWidth: 320
                Layout.fillHeight: true
                clip: true
                model: dialog.list
                delegate: ItemDelegate {
                    required property var modelData
                    width: ListView.view.width
                    highlighted: modelData.id === dialog.selectedId
                    text: modelData.url + "\n" + modelData.events.join(", ")
                    onClicked: {
                        dialog.selectedId = modelData.id;
                        dialog.deliveries = dialog.webhooks.deliveries(modelData.id);
                    }
                }
                Label {
                    anchors.centerIn: parent
                    visible: hookList.count === 0
                    text: qsTr("No webhooks yet")
                    color: Theme.textMuted
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                RowLayout {
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Recent deliveries")
                        font.bold: true
                    }
                    Button {
                        text: qsTr("Delete webhook")
                        enabled: dialog.selectedId.length > 0
                        onClicked: {
                            if (dialog.webhooks.remove(dialog.selectedId))
                                dialog.reload();
                            else
                                errorLabel.text = dialog.webhooks.lastError;
                        }
                    }
                }
                ListView {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    clip: true
                    model: dialog.deliveries
                    delegate: Label {
                        required property var modelData
                        width: ListView.view.width
                        wrapMode: Text.Wrap
                        color: modelData.state === "failed" ? Theme.danger : Theme.text
                        text: qsTr("%1  %2 (package %3): %4, %n attempt(s)", "", modelData.attempts)
                              .arg(Qt.formatDateTime(modelData.createdAt, "hh:mm:ss"))
                              .arg(modelData.event)
                              .arg(modelData.packageId.substring(0, 8))
                              .arg(dialog.stateText(modelData.state))
                              + (modelData.lastDetail ? " — " + modelData.lastDetail : "")
                    }
                }
            }
        }
    }
}
