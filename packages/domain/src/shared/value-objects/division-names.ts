/**
 * Names of administrative divisions for printed forms. Provinces are complete (GB/T 2260);
 * below them only the divisions the hub has met so far; others print as their code.
 */
const NAMES: Record<string, string> = {
  '110000': '北京市',
  '120000': '天津市',
  '130000': '河北省',
  '140000': '山西省',
  '150000': '内蒙古自治区',
  '210000': '辽宁省',
  '220000': '吉林省',
  '230000': '黑龙江省',
  '310000': '上海市',
  '320000': '江苏省',
  '330000': '浙江省',
  '340000': '安徽省',
  '350000': '福建省',
  '360000': '江西省',
  '370000': '山东省',
  '410000': '河南省',
  '420000': '湖北省',
  '430000': '湖南省',
  '440000': '广东省',
  '450000': '广西壮族自治区',
  '460000': '海南省',
  '500000': '重庆市',
  '510000': '四川省',
  '520000': '贵州省',
  '530000': '云南省',
  '540000': '西藏自治区',
  '610000': '陕西省',
  '620000': '甘肃省',
  '630000': '青海省',
  '640000': '宁夏回族自治区',
  '650000': '新疆维吾尔自治区',
  '710000': '台湾省',
  '810000': '香港特别行政区',
  '820000': '澳门特别行政区',
  '310100': '上海市市辖区',
  '310104': '徐汇区',
  '310105': '长宁区',
  '310106': '静安区',
  '440700': '江门市',
  '440703': '蓬江区',
  '120100': '天津市市辖区',
  '500100': '重庆市市辖区',
};

export function divisionName(code: string): string {
  return NAMES[code] ?? code;
}

/** True when the division is in the table above (every province is). */
export function hasDivisionName(code: string): boolean {
  return Object.hasOwn(NAMES, code);
}
