import { describe, expect, it } from 'vitest';
import { news2, news2Risk, spo2Score, type News2Observations } from './news2';

// Every edge of RCP NEWS2 chart 1 (2017): [value, expected score] on both sides of each threshold.
const normal: News2Observations = { respirationRate: 16, spo2: 97, spo2Scale: 1, onOxygen: false, systolicBp: 120, pulse: 70, consciousness: 'A', temperature: 37.0 };
const scoreOf = (change: Partial<News2Observations>) => news2({ ...normal, ...change }).parameters;

describe('NEWS2 chart 1, parameter by parameter', () => {
  it.each([[8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3]])('respiration rate %d scores %d', (value, score) => {
    expect(scoreOf({ respirationRate: value }).respirationRate).toBe(score);
  });

  it.each([[91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0]])('SpO2 scale 1 %d %% scores %d (air or oxygen alike)', (value, score) => {
    expect(spo2Score(value, 1, false)).toBe(score);
    expect(spo2Score(value, 1, true)).toBe(score);
  });

  it.each([[83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0]])('SpO2 scale 2 %d %% scores %d on air or oxygen', (value, score) => {
    expect(spo2Score(value, 2, false)).toBe(score);
    expect(spo2Score(value, 2, true)).toBe(score);
  });

  it.each([[93, 1], [94, 1], [95, 2], [96, 2], [97, 3], [100, 3]])('SpO2 scale 2 %d %% on oxygen scores %d', (value, score) => {
    expect(spo2Score(value, 2, true)).toBe(score);
  });

  it.each([93, 97, 100])('SpO2 scale 2 %d %% on air scores 0', (value) => {
    expect(spo2Score(value, 2, false)).toBe(0);
  });

  it('scores supplemental oxygen 2 and air 0', () => {
    expect(scoreOf({ onOxygen: true }).airOrOxygen).toBe(2);
    expect(scoreOf({ onOxygen: false }).airOrOxygen).toBe(0);
  });

  it.each([[90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3]])('systolic BP %d scores %d', (value, score) => {
    expect(scoreOf({ systolicBp: value }).systolicBp).toBe(score);
  });

  it.each([[40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3]])('pulse %d scores %d', (value, score) => {
    expect(scoreOf({ pulse: value }).pulse).toBe(score);
  });

  it.each([['A', 0], ['C', 3], ['V', 3], ['P', 3], ['U', 3]] as const)('consciousness %s scores %d', (value, score) => {
    expect(scoreOf({ consciousness: value }).consciousness).toBe(score);
  });

  it.each([[35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2]])('temperature %d °C scores %d', (value, score) => {
    expect(scoreOf({ temperature: value }).temperature).toBe(score);
  });
});

describe('NEWS2 chart 2, total and clinical risk', () => {
  it('is 0, low, for normal observations', () => {
    expect(news2(normal)).toMatchObject({ total: 0, risk: 'low', singleParameterThree: false, response: 'Ward-based response' });
  });

  it('adds every parameter: a hypercapnic COPD patient on oxygen', () => {
    const result = news2({ respirationRate: 22, spo2: 95, spo2Scale: 2, onOxygen: true, systolicBp: 105, pulse: 95, consciousness: 'A', temperature: 38.2 });
    expect(result.parameters).toEqual({ respirationRate: 2, spo2: 2, airOrOxygen: 2, systolicBp: 1, pulse: 1, consciousness: 0, temperature: 1 });
    expect(result).toMatchObject({ total: 9, risk: 'high', response: 'Urgent or emergency response' });
  });

  it.each([
    [4, false, 'low'],
    [3, true, 'low-medium'],
    [4, true, 'low-medium'],
    [5, false, 'medium'],
    [6, true, 'medium'],
    [7, false, 'high'],
    [20, true, 'high'],
  ] as const)('total %d (a single 3: %s) is %s', (total, three, risk) => {
    expect(news2Risk(total, three)).toBe(risk);
  });

  it('calls a single parameter scoring 3 an urgent ward-based response', () => {
    expect(news2({ ...normal, consciousness: 'C' })).toMatchObject({ total: 3, singleParameterThree: true, risk: 'low-medium', response: 'Urgent ward-based response' });
  });
});
