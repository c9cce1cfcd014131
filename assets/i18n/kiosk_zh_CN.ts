<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ModeChooser</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="74"/>
        <source>Choose how this terminal works</source>
        <translation>请选择终端工作模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="78"/>
        <source>中文</source>
        <translation>English</translation>
    </message>
</context>
<context>
    <name>ModeScreen</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="108"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
<context>
    <name>Modes</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="26"/>
        <source>Ticket kiosk</source>
        <extracomment>Modes offered by the chooser, in screen order.</extracomment>
        <translation>自助售票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="27"/>
        <source>Market POS</source>
        <translation>市场收银</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="28"/>
        <source>Parking terminal</source>
        <translation>停车收费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="29"/>
        <source>Gate</source>
        <translation>检票闸机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="30"/>
        <source>Administration</source>
        <translation>管理</translation>
    </message>
</context>
</TS>
