"""Varied, real-sounding complaints for the intake benchmark and the backlog test.

Each text is a place, a problem (from one of the taxonomy's categories), how long it has
lasted and what it does to the people who live there. `distinct()` keeps only texts that
open a ticket the way a resident's would: the classifier reads them as a report (not
small talk, not unsure, not a 求助 that is first offered a service order), and no two
texts meant for the same grid are close enough (nlp.similarity, the duplicate check's
measure) for the later one to be offered to follow the earlier.
"""
from __future__ import annotations

import random
from collections.abc import Iterator

from nlp.similarity import cosine, word_set
from tickets.duplicates import MAX_CANDIDATES

ROADS = ["幸福路", "建设路", "和平街", "解放大道", "人民路", "长江路", "滨河路", "朝阳街", "学府路", "光明巷",
         "新华路", "东风路", "胜利街", "文化路", "青年路", "金桥路", "春晖路", "桂花巷", "银杏街", "翠湖路"]
PLACES = ["{n}号楼{u}单元楼道", "{n}栋楼下", "{road}{n}号门口", "小区北门", "小区南门岗亭旁", "地下车库B{u}区",
          "{n}号楼东侧绿化带", "菜市场后门", "社区卫生站对面", "幼儿园门口", "{road}公交站", "{n}号楼楼顶",
          "{road}和{road2}路口", "{n}栋后面的小路", "健身广场", "老年活动中心门前", "{n}号楼电梯间", "快递驿站旁边"]
PROBLEMS = {
    "市容环境": ["垃圾堆成小山没人清运", "有人把建筑垃圾倒在路边", "污水井冒水流了一地", "墙上贴满了小广告",
             "垃圾桶满了苍蝇乱飞", "有人在路边烧垃圾烟很大", "狗屎遍地没人管"],
    "消防安全": ["电动车推进楼道里充电", "杂物堆满楼梯把消防通道堵死了", "灭火器箱是空的", "飞线充电拉到窗外",
             "消防栓被锁起来了", "私家车天天停在消防车道上"],
    "噪音扰民": ["广场舞音响开到很大声", "装修电钻从早响到晚", "烧烤摊半夜划拳喧哗", "空调外机嗡嗡响整夜",
             "酒吧低音炮震得窗户发抖", "工地夜里还在打桩"],
    "停车交通": ["车辆乱停把路堵死了", "共享单车倒了一大片", "有人用地锁私占车位", "大货车占道卸货",
             "红绿灯坏了车子乱窜", "僵尸车停了半年没人挪"],
    "物业服务": ["电梯三天两头坏", "物业不给修漏水的水管", "门禁坏了谁都能进", "楼道灯不亮物业不管",
             "保安经常不在岗", "物业乱收停车费"],
    "市政设施": ["路灯不亮黑漆漆的", "井盖松动一踩就响", "人行道砖翘起来好几块", "路面塌了一个大坑",
             "自来水管爆了在冒水", "雨水篦子堵了积水很深"],
    "违法建设": ["有人在楼顶私搭彩钢房", "一楼住户把院子围起来扩建", "有人占绿地盖小棚子", "阳台违规外扩",
             "地下室被挖深改成住人"],
    "矛盾纠纷": ["邻居家漏水淹了我家天花板", "楼上楼下为停车吵起来了", "邻居在公共走廊堆鞋柜占地方",
             "合租房东不退押金"],
    "社会治安": ["有陌生人挨家挨户推销保健品", "自行车接连被偷", "夜里有人撬车门", "有人在楼道里聚众赌博"],
    "民生服务": ["老人的医保报销办不下来", "低保申请交了材料没回音", "社区食堂停了老人吃饭困难",
             "孩子入学证明开不出来"],
    "园林绿化": ["大树枝快断了悬在头顶", "草坪被踩秃了一大片", "树木病虫害叶子掉光了", "绿化带杂草长得半人高",
             "行道树歪倒压着电线"],
}
DURATIONS = ["已经三天了", "快一个星期了", "半个多月没人管", "从上个月就这样", "今天早上发现的", "昨晚开始的",
             "好几天了", "一直没解决", "反映过两次了", "这周第二回了"]
IMPACTS = ["老人出门很不方便", "孩子上学要绕远路", "晚上根本睡不着", "大家都很担心安全", "味道熏得开不了窗",
           "邻居们意见很大", "走路差点摔倒", "外卖员都进不来", "雨天更是没法走", "请尽快派人来看看",
           "希望社区管一管", "麻烦网格员处理一下"]


def candidates(seed: int = 17) -> Iterator[str]:
    """An endless, reproducible stream of complaints (some alike: distinct() filters)."""
    rng = random.Random(seed)
    names = list(PROBLEMS)
    while True:
        road, road2 = rng.sample(ROADS, 2)
        place = rng.choice(PLACES).format(n=rng.randint(1, 40), u=rng.randint(1, 6), road=road, road2=road2)
        problem = rng.choice(PROBLEMS[rng.choice(names)])
        parts = [place, problem, rng.choice(DURATIONS), rng.choice(IMPACTS)]
        if rng.random() < 0.5:
            parts[2], parts[3] = parts[3], parts[2]
        yield "，".join(parts[:2]) + "，" + "，".join(parts[2:]) + rng.choice(["。", "！", "", "，谢谢。"])


def distinct(n: int, classifier, buckets: int, *, seed: int = 17, threshold: float = 0.5,
             window: int = 2 * MAX_CANDIDATES, limit: int = 1_000_000) -> list[str]:
    """n texts that each open a ticket. Text i goes to bucket i % buckets (a grid): it is
    not alike at `threshold` (tickets.duplicates' measure), whatever the categories, to any
    of the `window` texts before it in its bucket. The duplicate check compares a report
    with the grid's MAX_CANDIDATES newest open tickets; twice that leaves room for reports
    handled out of order when several are in flight."""
    segmenter = classifier.segmenter
    kept: list[list[frozenset[str]]] = [[] for _ in range(buckets)]
    out: list[str] = []
    seen: set[str] = set()
    for tried, text in enumerate(candidates(seed)):
        if len(out) == n:
            return out
        if tried > limit:
            raise RuntimeError(f"only {len(out)} distinct complaints in {limit} tries")
        if text in seen:
            continue
        seen.add(text)
        bucket = kept[len(out) % buckets]
        words = word_set(segmenter, text)
        if any(cosine(words, other) >= threshold for other in bucket):
            continue
        p = classifier.classify(text)
        if getattr(p, "intent", "report") != "report" or p.request_kind == "求助":
            continue
        bucket.append(words)
        if len(bucket) > window:
            del bucket[0]
        out.append(text)
    return out
