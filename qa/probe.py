"""Texts an exported encoder must embed like the float model before it is used.

A fixed set, shipped with the package, so every machine checks its export on the same
inputs: short questions, sentences and passages up to a few hundred characters, in
simplified and traditional characters, with numbers, and a few in English or mixed.
`qa.onnx_export` embeds them with the float model and with each candidate graph and
accepts a graph only when the smallest cosine reaches its threshold.
"""

from __future__ import annotations

PROBE_TEXTS: tuple[str, ...] = (
    # questions, as people type them
    "今年一季度全市工业投资完成了多少？",
    "这个项目什么时候能建成投产？",
    "村里的水果主要卖到哪里去了？",
    "为什么要提前做好防汛准备？",
    "哪些企业去年的产值超过了一亿元？",
    "地铁三号线的志愿者服务站设在哪个站？",
    "落户有没有门槛，需要什么条件？",
    "短",
    "防汛",
    "2024年",
    # sentences of news reports
    "一季度，全市完成工业投资8.4亿元，同比增长29%，是目标值的129.23%。",
    "该项目总投资3.36亿元，建成后预计年产值可达32亿元，带动就业500余人。",
    "全省共落实各级防汛责任人5.37万余人，组建应急救援专业队伍831支。",
    "目前，全村共种植樱桃600亩、枇杷456亩，户均增收2万元。",
    "企业生产的产品主要出口到东南亚国家，订单已经排到了年底。",
    "省气象台预计，今年主汛期降水偏多，局地可能出现暴雨洪涝灾害。",
    "五年来，城区面积增长1.5倍，常住人口城镇化率提高了近十个百分点。",
    "乡里组织志愿者开展野生动植物保护宣传活动，发放宣传资料300余份。",
    # passages: several sentences, as the index stores them (title first)
    (
        "抓项目 强企业 兴产业\n今年以来，市里坚持把工业经济作为发展的重中之重，围绕铝及铝加工、新能源电池材料、"
        "新型建材等产业，持续抓好项目建设和企业服务。一季度，规模以上工业增加值同比增长29%，"
        "工业投资完成8.4亿元。园区内的企业负责人表示，开年订单充足，生产线满负荷运转，"
        "预计二季度产值还将稳步增长。"
    ),
    (
        "明起全面入汛 六方面做好防汛抗旱工作\n本报讯 今年全省将从5月1日起全面入汛。省防汛抗旱指挥部要求，"
        "各地要健全联动机制，与周边省份建立自然灾害联防联控机制，及时共享上下游、左右岸雨情水情信息；"
        "要加强隐患排查，对水库、山塘、地质灾害点逐一落实责任人；要做好物资储备，确保关键时刻拉得出、用得上。"
    ),
    (
        "果园里的好日子\n村子距离城区60余公里，过去交通不便，村民多外出务工。近年来，村里因地制宜发展精品水果，"
        "修通了产业路，建起了冷库，还请来农技专家现场指导。每到樱桃成熟的季节，前来采摘的游客络绎不绝，"
        "村民在家门口就能把水果卖出去，日子越过越红火。"
    ),
    (
        "城镇化建设\n市里推进以人为核心的新型城镇化，放开城区落户限制，实行零门槛落户，"
        "为新市民在就业、教育、医疗、住房等方面提供与户籍人口同等的公共服务。与此同时，"
        "加快老旧小区改造和城市更新，完善城市道路、供水、燃气等基础设施，城市功能和品质不断提升。"
    ),
    (
        "一家光电企业的车间里，工人们正在调试新安装的生产线。企业负责人介绍，公司去年注册成立，"
        "主要生产显示屏用的光学膜材料，投产以来订单不断，产品除供应国内客户外，还出口到东南亚国家。"
        "下一步，企业计划扩大产能，新增两条生产线，预计年底前投用。"
    ),
    # traditional characters
    "清鎮市今年第一季度的工業投資完成了多少？",
    "貴州省將從5月1日起全面入汛，各地要做好防汛準備。",
    "村民們種植櫻桃和枇杷，戶均增收兩萬元，日子越過越好。",
    # Chinese numerals instead of digits
    "二〇二四年第一季度，全市规上工业增加值同比增长百分之二十九。",
    # English and mixed
    "How much did industrial investment grow in the first quarter?",
    "When does the flood season start in Guizhou province?",
    "The village grows cherries and loquats, and each household earns 20,000 yuan more.",
    "园区引进了 3 家 new energy battery 企业，总投资超过 10 亿元。",
    # lists, numbers and symbols
    "一、健全联动机制；二、强化监测预警；三、加强隐患排查；四、做好物资储备；五、强化应急演练；六、压实防汛责任。",
    "全省累计降水量258.1毫米，最大累计降水量721.2毫米，出现在黔东南州。",
    "（记者 张三 通讯员 李四）",
    "电话：0851-12345678  网址：www.example.com",
)
