<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Attract</name>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="54"/>
        <source>Touch the screen to buy tickets</source>
        <extracomment>Most tickets of one kind in one order (a group larger than this buys at the counter).</extracomment>
        <translation>触摸屏幕开始购票</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="112"/>
        <source>Card simulator</source>
        <extracomment>Width of a slip in the panel, in pixels.</extracomment>
        <translation>银行卡模拟器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="113"/>
        <source>Tap</source>
        <translation>挥卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="114"/>
        <source>Insert</source>
        <translation>插卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="115"/>
        <source>Remove</source>
        <translation>取出</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="117"/>
        <source>In the reader: %1</source>
        <translation>读卡器中：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="119"/>
        <source>No card in the reader</source>
        <translation>读卡器中没有卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="181"/>
        <source>Show this ticket at the gate</source>
        <translation>在闸机出示这张门票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panels.py" line="198"/>
        <source>Printer (preview)</source>
        <translation>打印机（预览）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="251"/>
        <source>Demo mode: simulated cards, no real payments, tickets not valid</source>
        <translation>演示模式：模拟银行卡，不收真实款项，门票无效</translation>
    </message>
</context>
<context>
    <name>Gate</name>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="181"/>
        <source>Back</source>
        <extracomment>The demo&apos;s way back to the mode chooser (a deployed gate has no such button).</extracomment>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="184"/>
        <source>Ticket check</source>
        <translation>检票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="185"/>
        <source>Please scan your ticket</source>
        <translation>请扫描门票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="188"/>
        <source>Scan your QR code or tap the card you paid with</source>
        <translation>请扫描门票二维码，或刷付款时用的银行卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="191"/>
        <source>Hold the QR code under the scanner</source>
        <translation>请将二维码对准扫描器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/gate_screen.py" line="211"/>
        <source>Used at %1</source>
        <translation>使用时间 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="206"/>
        <source>The card could not be read</source>
        <translation>无法读取这张卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="207"/>
        <source>Please hold the card still on the reader and try again.</source>
        <translation>请将卡片贴稳在读卡区，再试一次。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="210"/>
        <source>Welcome</source>
        <translation>欢迎光临</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="210"/>
        <source>Please go through</source>
        <translation>请通行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="212"/>
        <source>This ticket has already been used</source>
        <translation>这张门票已经使用过</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="213"/>
        <source>Each ticket admits one person once. Please ask staff.</source>
        <translation>每张门票仅限一人入园一次。请联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="216"/>
        <source>This ticket is not valid</source>
        <translation>这张门票无效</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="217"/>
        <location filename="../../kiosk/ui/texts.py" line="221"/>
        <location filename="../../kiosk/ui/texts.py" line="225"/>
        <location filename="../../kiosk/ui/texts.py" line="249"/>
        <source>Please ask staff.</source>
        <translation>请联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="220"/>
        <source>This ticket is not for this site</source>
        <translation>这张门票不是本景区的</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="224"/>
        <source>Your entry time has passed</source>
        <translation>您的入园时段已过</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="228"/>
        <source>Your entry time has not started yet</source>
        <translation>您的入园时段还没有开始</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="229"/>
        <source>Please come back at the time on your ticket.</source>
        <translation>请在门票上的时段再来。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="232"/>
        <source>This ticket is for another day</source>
        <translation>这张门票是其他日期的</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="233"/>
        <source>Please check the date on your ticket or ask staff.</source>
        <translation>请核对门票上的日期，或联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="236"/>
        <source>The code could not be read</source>
        <translation>无法识别这个二维码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="237"/>
        <source>Please scan the QR code on your ticket again.</source>
        <translation>请重新扫描门票上的二维码。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="240"/>
        <source>This is a test printout, not a ticket</source>
        <translation>这是打印测试单，不是门票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="241"/>
        <source>Test tickets do not admit anyone. Please ask staff.</source>
        <translation>测试票不能入园。请咨询工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="244"/>
        <source>This card has no ticket for today</source>
        <translation>这张卡没有今天的门票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="245"/>
        <source>Please tap the card you paid with, or scan your QR code.</source>
        <translation>请刷付款时用的银行卡，或扫描门票二维码。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="248"/>
        <source>The gate cannot check tickets right now</source>
        <translation>闸机暂时无法检票</translation>
    </message>
</context>
<context>
    <name>Idle</name>
    <message>
        <location filename="../../kiosk/ui/ticket_flow.py" line="327"/>
        <source>Are you still there?</source>
        <extracomment>How long a result stays up before the machine is ready for the next visitor. Readiness check period while nobody is buying. Codes that stop sales: the screen goes out of service instead of asking for a card.</extracomment>
        <translation>您还在吗？</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_flow.py" line="328"/>
        <source>Yes, I need more time</source>
        <translation>在，我需要更多时间</translation>
    </message>
</context>
<context>
    <name>Market</name>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="53"/>
        <source>The weight is not steady yet: wait a moment</source>
        <translation>重量还不稳定，请稍等</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="54"/>
        <source>The scale is busy: try again</source>
        <translation>秤正忙，请再试一次</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="55"/>
        <source>Too heavy for the scale</source>
        <translation>超出秤的量程</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="56"/>
        <source>The scale is below zero: check the pan</source>
        <translation>秤显示低于零，请检查秤盘</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="57"/>
        <source>The scale sends something unreadable</source>
        <translation>秤发来的数据无法识别</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="58"/>
        <source>The scale does not answer: check its cable</source>
        <translation>秤没有应答，请检查连接线</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="59"/>
        <source>Nothing on the scale</source>
        <translation>秤上没有东西</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="60"/>
        <source>No scale on this counter</source>
        <translation>本收银台没有连接秤</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="61"/>
        <source>No item with this PLU</source>
        <translation>没有这个商品码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="62"/>
        <source>No such line</source>
        <translation>没有这一行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="63"/>
        <source>That line was refunded already</source>
        <translation>这一行已经退过款了</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="64"/>
        <source>No paid sale with this number</source>
        <translation>没有这个单号的已付交易</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="65"/>
        <source>Not enough cash for the total</source>
        <translation>现金不够支付合计</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="66"/>
        <source>Card part must be above zero and below the total</source>
        <translation>刷卡部分必须大于零且小于合计</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="67"/>
        <source>Wrong PIN</source>
        <translation>PIN错误</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="68"/>
        <source>The basket is empty</source>
        <translation>购物篮是空的</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="69"/>
        <source>Not a staff command</source>
        <translation>不是员工管理指令</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="70"/>
        <source>That staff number exists already</source>
        <translation>该工号已存在</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="71"/>
        <source>No active staff member with that number</source>
        <translation>没有该工号的在职员工</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="72"/>
        <source>The last supervisor cannot be disabled</source>
        <translation>不能停用最后一名主管</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="198"/>
        <source>Market counter</source>
        <translation>市场收银</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="199"/>
        <source>PLU, amount or PIN, then Enter</source>
        <translation>输入商品码、金额或PIN，按回车</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="200"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="240"/>
        <source>Cashier PIN</source>
        <translation>收银员PIN</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="297"/>
        <source>Customer display fault (%1): selling goes on</source>
        <translation>顾客显示屏故障（%1）：收银照常进行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="323"/>
        <source>Signed in: %1</source>
        <translation>已登录：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="327"/>
        <source>Supervisor PIN</source>
        <translation>主管PIN</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="509"/>
        <source>Paid %1</source>
        <translation>已付 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="513"/>
        <source>Change %1</source>
        <translation>找零 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="537"/>
        <source>Refunded %1</source>
        <translation>已退款 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="555"/>
        <source>Staff: type +C02:PIN (add), -C02 (disable) or C02=PIN, then F1</source>
        <translation>员工：输入 +C02:密码（新增）、-C02（停用）或 C02=密码（改密码），再按 F1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="580"/>
        <source>Staff changed: %1</source>
        <translation>员工已更新：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="603"/>
        <source>Loaded %1: new e-cash balance %2</source>
        <translation>已圈存 %1：电子现金余额 %2</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="609"/>
        <source>Not loaded (%1): give the cash back</source>
        <translation>未圈存（%1）：请退还现金</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="616"/>
        <source>Present the card to load %1</source>
        <translation>请出示卡片，圈存 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="630"/>
        <source>X: cash expected %1</source>
        <translation>X报表：应有现金 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="636"/>
        <source>PDF: %1</source>
        <translation>PDF 报表：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="653"/>
        <source>Z: sales %1, counted %2, expected %3</source>
        <translation>Z报表：销售 %1，点钞 %2，应有 %3</translation>
    </message>
</context>
<context>
    <name>MarketKeys</name>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="89"/>
        <source>PLU / 3*PLU</source>
        <translation>商品码 / 数量*商品码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="90"/>
        <source>staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="91"/>
        <source>quick item</source>
        <translation>快捷商品</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="92"/>
        <source>amount line</source>
        <translation>金额行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="93"/>
        <source>void line</source>
        <translation>删除行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="94"/>
        <source>e-cash load</source>
        <translation>圈存</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="95"/>
        <source>void sale</source>
        <translation>取消整单</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="96"/>
        <source>card</source>
        <translation>刷卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="97"/>
        <source>cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="98"/>
        <source>card+cash</source>
        <translation>卡+现金</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="99"/>
        <source>price override</source>
        <translation>改价</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="100"/>
        <source>refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="101"/>
        <source>open drawer</source>
        <translation>开钱箱</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="102"/>
        <source>X report</source>
        <translation>X报表</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/market_screen.py" line="103"/>
        <source>Z close</source>
        <translation>Z结班</translation>
    </message>
</context>
<context>
    <name>ModeChooser</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="82"/>
        <source>Choose how this terminal works</source>
        <translation>请选择终端工作模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="86"/>
        <source>中文</source>
        <translation>English</translation>
    </message>
</context>
<context>
    <name>ModeScreen</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="115"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
</context>
<context>
    <name>Modes</name>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="37"/>
        <source>Ticket kiosk</source>
        <extracomment>Modes offered by the chooser, in screen order.</extracomment>
        <translation>自助售票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="38"/>
        <source>Market POS</source>
        <translation>市场收银</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="39"/>
        <source>Parking terminal</source>
        <translation>停车收费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="40"/>
        <source>Gate</source>
        <translation>检票闸机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/main_window.py" line="41"/>
        <source>Administration</source>
        <translation>管理</translation>
    </message>
</context>
<context>
    <name>Operator</name>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="66"/>
        <source>Operator PIN</source>
        <translation>操作员密码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="67"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="119"/>
        <source>Operator menu</source>
        <translation>操作员菜单</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="121"/>
        <source>Reprint last</source>
        <translation>补打上一笔</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="122"/>
        <source>Printer status</source>
        <translation>打印机状态</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="123"/>
        <source>E-cash balance inquiry</source>
        <translation>电子现金余额查询</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="124"/>
        <source>Close shift</source>
        <translation>交班结算</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="125"/>
        <source>Sync status</source>
        <translation>上传状态</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="126"/>
        <source>Exit the application</source>
        <translation>退出程序</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="131"/>
        <source>E-cash balance inquiry needs the card log reader: its button stays off until then.</source>
        <translation>电子现金余额查询需要读取卡片交易日志，在此之前该按钮不可用。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_screens.py" line="137"/>
        <source>Back to sales</source>
        <translation>返回售票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="54"/>
        <source>No operator PIN is set (kiosk admin set-pin)</source>
        <translation>未设置操作员密码（kiosk admin set-pin）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="58"/>
        <source>Locked: try again in %1 s</source>
        <translation>已锁定：请在 %1 秒后重试</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="65"/>
        <source>Wrong PIN</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="68"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="82"/>
        <source>Reprinted</source>
        <translation>已补打</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="90"/>
        <source>Printer ready</source>
        <translation>打印机就绪</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="101"/>
        <source>Shift closed: %1 sales, %2</source>
        <translation>已交班：%1 笔销售，共 %2</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="111"/>
        <source>Sync: disabled</source>
        <translation>同步：已停用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="113"/>
        <source>Sync: not enrolled with a back office</source>
        <translation>同步：尚未在后台登记</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="115"/>
        <source>Sync: not available (see kiosk doctor)</source>
        <translation>同步：不可用（请运行 kiosk doctor）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="120"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/operator_desk.py" line="123"/>
        <source>Sync: %1 entries waiting, last contact %2, offline unsent %3</source>
        <translation>同步：%1 条待上传，最近联系 %2，未上传脱机金额 %3</translation>
    </message>
</context>
<context>
    <name>OutOfService</name>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="259"/>
        <source>Out of service</source>
        <translation>暂停服务</translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="444"/>
        <location filename="../../kiosk/ui/widgets.py" line="71"/>
        <source>中文</source>
        <translation>English</translation>
    </message>
</context>
<context>
    <name>Parking</name>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="61"/>
        <source>%1 · inside %2/%3</source>
        <translation>%1 · 在场 %2/%3</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="132"/>
        <source>Exit</source>
        <translation>出口收费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="133"/>
        <source>Cash given (F6)</source>
        <translation>实收现金 (F6)</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="134"/>
        <source>Card F5</source>
        <translation>刷卡 F5</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="135"/>
        <source>Cash F6</source>
        <translation>现金 F6</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="136"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="248"/>
        <source>Open barrier</source>
        <translation>抬杆放行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="137"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="187"/>
        <source>Entry</source>
        <translation>入口登记</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="138"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="213"/>
        <source>Cars inside</source>
        <translation>场内车辆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="139"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="244"/>
        <source>Supervisor</source>
        <translation>主管</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="140"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="188"/>
        <source>Small vehicle</source>
        <translation>小型车</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="189"/>
        <source>Large vehicle</source>
        <translation>大型车</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="190"/>
        <source>Record entry</source>
        <translation>登记入场</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="191"/>
        <source>No plate: ticket</source>
        <translation>无牌车：出票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="192"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="215"/>
        <location filename="../../kiosk/ui/parking_pages.py" line="250"/>
        <source>Back to exit</source>
        <translation>返回出口</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="214"/>
        <source>Search plate or ticket</source>
        <translation>搜索车牌或票号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="245"/>
        <source>Supervisor PIN</source>
        <translation>主管密码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="246"/>
        <source>Why open without payment</source>
        <translation>免费放行原因</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="247"/>
        <source>Lost ticket fee</source>
        <translation>遗失票收费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_pages.py" line="249"/>
        <source>Monthly passes</source>
        <translation>月卡车辆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/plate_pad.py" line="107"/>
        <source>Plate, e.g. 粤B12345</source>
        <translation>车牌，如 粤B12345</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/plate_pad.py" line="109"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/plate_pad.py" line="110"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="50"/>
        <source>Wrong PIN</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="51"/>
        <source>Look up the car first</source>
        <translation>请先查找车辆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="52"/>
        <source>No car inside with this plate or ticket</source>
        <translation>场内没有此车牌或入场券的车辆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="53"/>
        <source>This car is already inside</source>
        <translation>此车已在场内</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="54"/>
        <source>The car park is full</source>
        <translation>车位已满</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="55"/>
        <source>This car has already left</source>
        <translation>此车已出场</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="56"/>
        <source>The fee is not paid yet</source>
        <translation>停车费尚未支付</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="57"/>
        <source>Nothing to pay</source>
        <translation>无需缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="58"/>
        <source>The fee went up while waiting: check the new fee and pay again</source>
        <translation>等待期间费用已增加：请核对新费用后再付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="61"/>
        <source>Say why the barrier opens</source>
        <translation>请填写抬杆原因</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="62"/>
        <source>Not enough cash for the fee</source>
        <translation>现金不足以支付停车费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="63"/>
        <source>The barrier did not open: open it by hand</source>
        <translation>道闸未能打开：请手动抬杆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="64"/>
        <source>The barrier did not answer: open it by hand</source>
        <translation>道闸无响应：请手动抬杆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="65"/>
        <source>The barrier is not connected</source>
        <translation>道闸未连接</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="68"/>
        <source>This entry ticket is not valid here</source>
        <translation>此入场券在本停车场无效</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="234"/>
        <source>No fee: open the barrier</source>
        <translation>无需缴费：请抬杆放行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="277"/>
        <source>Barrier open</source>
        <translation>已抬杆</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="346"/>
        <source>Paid %1</source>
        <translation>已付 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="348"/>
        <source>Change %1</source>
        <translation>找零 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="374"/>
        <source>Entered: %1</source>
        <translation>已入场：%1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="412"/>
        <source>No monthly passes</source>
        <translation>暂无月卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="431"/>
        <source>Lost ticket, approved by %1</source>
        <translation>遗失入场券，由 %1 批准</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/parking_screen.py" line="465"/>
        <source>Barrier open (by %1)</source>
        <translation>已抬杆（%1 操作）</translation>
    </message>
</context>
<context>
    <name>Payment</name>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="148"/>
        <source>Amount %1</source>
        <translation>金额 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="154"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="156"/>
        <source>Tap or insert your card</source>
        <translation>请挥卡或插卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="158"/>
        <source>%1 seconds left</source>
        <translation>剩余 %1 秒</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="160"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Processing</name>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="185"/>
        <source>Processing your payment</source>
        <translation>正在处理付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="186"/>
        <source>Please do not remove your card</source>
        <translation>请不要移开银行卡</translation>
    </message>
</context>
<context>
    <name>Products</name>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="137"/>
        <source>Sold out today</source>
        <translation>今日已售罄</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="196"/>
        <source>Choose your tickets</source>
        <translation>请选择门票</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="197"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="198"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="205"/>
        <source>Total %1</source>
        <translation>合计 %1</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="32"/>
        <location filename="../../kiosk/ui/texts.py" line="36"/>
        <source>Your card declined the payment</source>
        <translation>您的银行卡拒绝了这笔付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="33"/>
        <location filename="../../kiosk/ui/texts.py" line="37"/>
        <location filename="../../kiosk/ui/texts.py" line="41"/>
        <location filename="../../kiosk/ui/texts.py" line="49"/>
        <source>Nothing was charged. Please try another card.</source>
        <translation>未扣款。请换一张卡再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="40"/>
        <source>Your bank declined the payment</source>
        <translation>发卡银行拒绝了这笔付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="44"/>
        <source>Not enough electronic cash on the card</source>
        <translation>卡内电子现金余额不足</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="45"/>
        <source>Nothing was charged. Top up the card or use another card.</source>
        <translation>未扣款。请先圈存充值，或换一张卡。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="66"/>
        <source>This card has expired</source>
        <translation>这张卡已过期</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="53"/>
        <location filename="../../kiosk/ui/texts.py" line="63"/>
        <location filename="../../kiosk/ui/texts.py" line="67"/>
        <source>Nothing was charged. Please use another card.</source>
        <translation>未扣款。请换一张卡。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="48"/>
        <source>Your bank cannot be reached right now</source>
        <translation>暂时无法联系您的发卡银行</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="52"/>
        <source>This card cannot be used at this machine</source>
        <translation>本机无法使用这张卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="56"/>
        <source>This card is blocked</source>
        <translation>这张卡已被锁定</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="57"/>
        <source>Nothing was charged. Please contact your bank or use another card.</source>
        <translation>未扣款。请联系发卡银行或换一张卡。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="62"/>
        <source>This card is not valid yet</source>
        <translation>这张卡尚未生效</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="70"/>
        <source>The card was taken away too early</source>
        <translation>卡片拿开得太早了</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="71"/>
        <source>Nothing was charged. Please present the card again and hold it still.</source>
        <translation>未扣款。请重新出示卡片，并保持不动。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="76"/>
        <source>The card could not be read</source>
        <translation>无法读取这张卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="77"/>
        <source>Nothing was charged. Please present the card again.</source>
        <translation>未扣款。请重新出示卡片。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="80"/>
        <source>Please insert the card instead</source>
        <translation>请改为插卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="81"/>
        <source>This card cannot pay by tapping. Insert it into the slot, chip first.</source>
        <translation>这张卡不能挥卡支付。请将芯片一端朝前插入卡槽。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="86"/>
        <source>No card was presented</source>
        <translation>没有检测到银行卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="87"/>
        <source>Nothing was charged. Start again when you are ready.</source>
        <translation>未扣款。准备好后请重新开始。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="90"/>
        <source>Payment cancelled</source>
        <translation>付款已取消</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="91"/>
        <source>Nothing was charged.</source>
        <translation>未扣款。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="94"/>
        <source>The card reader is not working</source>
        <translation>读卡器无法使用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="95"/>
        <source>Nothing was charged. Please use another machine or ask staff.</source>
        <translation>未扣款。请使用其他机器或联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="98"/>
        <source>Card payment is not available on this machine yet</source>
        <translation>本机暂不支持刷卡付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="99"/>
        <source>Nothing was charged. Please buy your tickets at the counter.</source>
        <translation>未扣款。请到售票窗口购票。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="102"/>
        <source>We could not confirm your payment</source>
        <translation>未能确认您的付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="103"/>
        <source>Do not pay again. Keep your card and ask staff: they will check it.</source>
        <translation>请不要重复付款。请保留银行卡并联系工作人员核实。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="108"/>
        <source>Paid, but the tickets could not be printed</source>
        <translation>已付款，但门票未能打印</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="109"/>
        <source>Your payment is safe. Please ask staff: your tickets and receipt will be reprinted.</source>
        <translation>您的付款是安全的。请联系工作人员：您的门票和小票会重新打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="116"/>
        <source>The printer is out of paper</source>
        <translation>打印机缺纸</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="117"/>
        <location filename="../../kiosk/ui/texts.py" line="121"/>
        <location filename="../../kiosk/ui/texts.py" line="125"/>
        <location filename="../../kiosk/ui/texts.py" line="129"/>
        <location filename="../../kiosk/ui/texts.py" line="133"/>
        <source>Please use another machine or ask staff.</source>
        <translation>请使用其他机器或联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="120"/>
        <source>The printer cover is open</source>
        <translation>打印机盖未关好</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="124"/>
        <source>The printer is not ready</source>
        <translation>打印机未就绪</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="128"/>
        <source>No printer is connected</source>
        <translation>未连接打印机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="132"/>
        <source>This machine cannot record sales right now</source>
        <translation>本机暂时无法记录交易</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="136"/>
        <source>Sold out for today</source>
        <translation>今日已售罄</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="137"/>
        <source>Please choose fewer tickets or another ticket.</source>
        <translation>请减少数量或选择其他门票。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="140"/>
        <source>Please choose an entry time</source>
        <translation>请选择入园时段</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="141"/>
        <source>Timed tickets need an entry time before you can pay.</source>
        <translation>分时段门票需先选择入园时段才能付款。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="144"/>
        <source>Something went wrong</source>
        <translation>出现了问题</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="145"/>
        <source>Please ask staff for help.</source>
        <translation>请联系工作人员。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="175"/>
        <source>Not enough electronic cash: %1 left on the card</source>
        <extracomment>Codes that share another code&apos;s words.</extracomment>
        <translation>电子现金余额不足：卡内仅剩 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="189"/>
        <source>Waiting for your card…</source>
        <translation>正在等待银行卡…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="190"/>
        <location filename="../../kiosk/ui/texts.py" line="191"/>
        <source>Reading your card…</source>
        <translation>正在读卡…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="192"/>
        <source>Checking your card…</source>
        <translation>正在验证银行卡…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="193"/>
        <source>Asking your bank…</source>
        <translation>正在联系发卡银行…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="194"/>
        <source>Finishing the payment…</source>
        <translation>正在完成付款…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="195"/>
        <source>You can take your card away now</source>
        <translation>现在可以拿开银行卡了</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="196"/>
        <source>Printing your tickets…</source>
        <translation>正在打印门票…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/texts.py" line="198"/>
        <source>Please wait…</source>
        <translation>请稍候…</translation>
    </message>
</context>
<context>
    <name>Result</name>
    <message>
        <location filename="../../kiosk/ui/payment_screens.py" line="222"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/result_words.py" line="47"/>
        <source>Payment approved</source>
        <translation>支付成功</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/result_words.py" line="49"/>
        <source>Please take your tickets and your receipt below.</source>
        <translation>请在下方取走门票和小票。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/result_words.py" line="54"/>
        <source>Paid %1</source>
        <translation>已付 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/result_words.py" line="56"/>
        <source>Tickets: %1</source>
        <translation>门票：%1 张</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/result_words.py" line="62"/>
        <source>E-cash left on your card: %1</source>
        <translation>卡内电子现金余额：%1</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="149"/>
        <source>This terminal</source>
        <translation>本终端</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="151"/>
        <source>Set up once: each step can be tested before it is kept.</source>
        <translation>一次设置：每一步都可先测试再保存。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="153"/>
        <source>Terminal id (8 letters or digits)</source>
        <translation>终端号（8位字母或数字）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="155"/>
        <source>Ticket kiosk</source>
        <translation>自助售票机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="156"/>
        <source>Market counter</source>
        <translation>市场收银台</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="157"/>
        <source>Car park</source>
        <translation>停车场</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="158"/>
        <source>Ticket gate</source>
        <translation>检票闸机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="215"/>
        <source>Looking for printers…</source>
        <translation>正在查找打印机…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="222"/>
        <source>No printer found: type a network printer&apos;s address.</source>
        <translation>未找到打印机：请输入网络打印机地址。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="232"/>
        <source>Printing a test slip…</source>
        <translation>正在打印测试单…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="247"/>
        <source>Receipt printer</source>
        <translation>小票打印机</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="249"/>
        <source>Choose the printer, or type tcp://address:9100.</source>
        <translation>选择打印机，或输入 tcp://地址:9100。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="251"/>
        <location filename="../../kiosk/ui/setup_wizard.py" line="288"/>
        <location filename="../../kiosk/ui/setup_wizard.py" line="325"/>
        <source>Search again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="252"/>
        <source>Print a test slip</source>
        <translation>打印测试单</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="263"/>
        <source>Looking for card readers…</source>
        <translation>正在查找读卡器…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="270"/>
        <source>No card reader found: plug one in and search again.</source>
        <translation>未找到读卡器：请插入后重新查找。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="280"/>
        <source>Insert or tap a card now…</source>
        <translation>请现在插卡或挥卡…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="284"/>
        <source>Card reader</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="286"/>
        <source>Choose the reader; a test read shows the card&apos;s apps.</source>
        <translation>选择读卡器；测试读卡会显示卡片应用。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="289"/>
        <source>Read a card</source>
        <translation>测试读卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="301"/>
        <source>Looking for serial ports…</source>
        <translation>正在查找串口…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="221"/>
        <source>Printers found: %1</source>
        <translation>找到打印机: %1 台</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="237"/>
        <source>Test slip printed.</source>
        <translation>测试单已打印。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="238"/>
        <source>Test slip sent; this connection cannot confirm it: check the paper.</source>
        <translation>测试单已发送；此连接无法确认，请查看纸张。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="241"/>
        <source>No printer: the slip went to the preview.</source>
        <translation>无打印机：测试单进入预览。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="269"/>
        <source>Readers found: %1</source>
        <translation>找到读卡器: %1 个</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="279"/>
        <source>Card read: %1</source>
        <translation>读卡成功: %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="310"/>
        <source>Serial ports: %1</source>
        <translation>串口: %1 个</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="316"/>
        <source>The scale answers: %1 g</source>
        <translation>电子秤应答: %1 g</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="319"/>
        <source>Reading the scale…</source>
        <translation>正在读取电子秤…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="323"/>
        <source>Scale</source>
        <translation>电子秤</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="324"/>
        <source>A market scale; leave empty if none.</source>
        <translation>市场用电子秤；没有则留空。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="326"/>
        <source>Read the weight</source>
        <translation>读取重量</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="346"/>
        <source>Enrolled: %1</source>
        <translation>注册成功: %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="347"/>
        <source>Enrolling with the hub…</source>
        <translation>正在向后台注册…</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="351"/>
        <source>Back-office hub</source>
        <translation>后台服务器</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="353"/>
        <source>The hub&apos;s address and the code from kiosk hub enroll; may be left.</source>
        <translation>后台地址和 kiosk hub enroll 给出的注册码；可以跳过。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="357"/>
        <source>Enrol</source>
        <translation>注册</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="391"/>
        <source>Ready</source>
        <translation>完成设置</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="393"/>
        <source>Finish writes the settings and starts the terminal.</source>
        <translation>点击完成将保存设置并启动终端。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="438"/>
        <source>Set-up</source>
        <translation>设置向导</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="440"/>
        <source>Back</source>
        <translation>上一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="441"/>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="442"/>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/setup_wizard.py" line="443"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Summary</name>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="288"/>
        <source>Your order</source>
        <translation>您的订单</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="289"/>
        <source>Change</source>
        <translation>修改</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="290"/>
        <source>Pay by card</source>
        <translation>刷卡付款</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="294"/>
        <source>Card discounts: %1. The discount is worked out when your card is read and printed on your receipt. Co-branded card and e-cash discounts need the card inserted, not tapped.</source>
        <translation>银行卡优惠：%1。优惠在读卡时计算，并打印在小票上。联名卡优惠和电子现金优惠须插卡使用，挥卡不享受。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/ticket_screens.py" line="319"/>
        <source>To pay %1</source>
        <translation>应付 %1</translation>
    </message>
</context>
</TS>
