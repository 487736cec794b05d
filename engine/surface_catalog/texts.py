"""Data: every catalogue surface's name and help text, in English and Korean."""

TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "rosenbrock": {
        "label": {"en": "Rosenbrock function", "ko": "로젠브록 함수"},
        "help": {
            "en": "A long, curved, narrow valley. Reaching the valley is easy; following it to the minimum at (1, 1) is slow for plain gradient descent.",
            "ko": "길고 휘어진 좁은 골짜기입니다. 골짜기에 들어가기는 쉽지만, 골짜기를 따라 (1, 1)의 전역 최소값까지 가는 길은 일반 경사 하강법에게 느립니다.",
        },
    },
    "beale": {
        "label": {"en": "Beale function", "ko": "빌 함수"},
        "help": {
            "en": "Sharp ridges and flat valleys, with values spanning five orders of magnitude. Global minimum 0 at (3, 0.5) and two saddle points.",
            "ko": "날카로운 능선과 평탄한 골짜기가 있고 값이 다섯 자릿수에 걸쳐 변합니다. 전역 최소값은 (3, 0.5)에서 0이며 안장점이 두 개 있습니다.",
        },
    },
    "himmelblau": {
        "label": {"en": "Himmelblau's function", "ko": "힘멜블라우 함수"},
        "help": {
            "en": "Four global minima of equal value 0, four saddle points and one maximum: the start decides which basin an optimizer reaches.",
            "ko": "값이 0으로 같은 전역 최소값 네 개, 안장점 네 개, 최대값 하나가 있습니다. 출발점이 어느 분지에 도착할지를 정합니다.",
        },
    },
    "booth": {
        "label": {"en": "Booth function", "ko": "부스 함수"},
        "help": {
            "en": "A convex quadratic bowl with one minimum, 0 at (1, 3); Hessian eigenvalues 2 and 18.",
            "ko": "(1, 3)에서 최소값 0 하나만 갖는 볼록 이차 함수입니다. 헤세 행렬의 고윳값은 2와 18입니다.",
        },
    },
    "matyas": {
        "label": {"en": "Matyas function", "ko": "마티아스 함수"},
        "help": {
            "en": "A very flat convex bowl (Hessian eigenvalues 0.04 and 1): along the diagonal the gradient almost vanishes.",
            "ko": "매우 평평한 볼록 함수입니다(헤세 행렬의 고윳값 0.04와 1). 대각선 방향으로는 기울기가 거의 0이라 진행이 느립니다.",
        },
    },
    "goldstein_price": {
        "label": {"en": "Goldstein–Price function", "ko": "골드스타인–프라이스 함수"},
        "help": {
            "en": "Global minimum 3 at (0, −1), three local minima, four saddles and a maximum; values reach about a million, so the colour scale is logarithmic.",
            "ko": "(0, −1)에서 전역 최소값 3을 갖고 지역 최소값 세 개, 안장점 네 개, 최대값 하나가 있습니다. 값이 약 백만까지 커지므로 로그 색상으로 그립니다.",
        },
    },
    "six_hump_camel": {
        "label": {"en": "Six-hump camel function", "ko": "여섯 혹 낙타 함수"},
        "help": {
            "en": "Two global minima (−1.0316) with a saddle exactly between them, four local minima, six more saddles and two maxima.",
            "ko": "전역 최소값(−1.0316) 두 개의 정확히 가운데에 안장점이 있고, 지역 최소값 네 개, 안장점 여섯 개, 최대값 두 개가 더 있습니다.",
        },
    },
    "three_hump_camel": {
        "label": {"en": "Three-hump camel function", "ko": "세 혹 낙타 함수"},
        "help": {
            "en": "Global minimum 0 at the origin between two shallower local minima, separated from them by two saddle points.",
            "ko": "원점의 전역 최소값 0 양쪽에 얕은 지역 최소값 두 개가 있고, 그 사이를 안장점 두 개가 가릅니다.",
        },
    },
    "styblinski_tang": {
        "label": {"en": "Styblinski–Tang function", "ko": "스티블린스키–탕 함수"},
        "help": {
            "en": "Separable: one global minimum, three local minima, four saddles and a maximum near the centre.",
            "ko": "변수별로 분리되는 함수로 전역 최소값 하나, 지역 최소값 세 개, 안장점 네 개, 중앙 근처의 최대값 하나가 있습니다.",
        },
    },
    "rastrigin": {
        "label": {"en": "Rastrigin function", "ko": "라스트리긴 함수"},
        "help": {
            "en": "An egg crate: a bowl covered in regular bumps, with a local minimum near every integer point. Global minimum 0 at the origin.",
            "ko": "계란판 모양: 규칙적인 요철로 덮인 그릇이라 정수 격자점마다 지역 최소값이 있습니다. 전역 최소값은 원점에서 0입니다.",
        },
    },
    "ackley": {
        "label": {"en": "Ackley function", "ko": "애클리 함수"},
        "help": {
            "en": "A nearly flat outer region full of small local minima around a deep funnel. The origin (global minimum 0) is a sharp tip; the gradient there is defined as 0.",
            "ko": "작은 지역 최소값이 가득한 거의 평평한 바깥 영역 한가운데에 깊은 깔때기가 있습니다. 원점(전역 최소값 0)은 뾰족한 점이라 그곳의 기울기는 0으로 정합니다.",
        },
    },
    "easom": {
        "label": {"en": "Easom function", "ko": "이솜 함수"},
        "help": {
            "en": "One narrow well at (π, π) in a near-flat plateau: away from the well the gradient vanishes and plain gradient descent barely moves.",
            "ko": "거의 평탄한 평탄면 가운데 (π, π)에 좁은 우물 하나가 있습니다. 우물에서 멀어지면 기울기가 사라져 일반 경사 하강법이 거의 움직이지 않습니다.",
        },
    },
    "levi13": {
        "label": {"en": "Lévi function N.13", "ko": "레비 함수 N.13"},
        "help": {
            "en": "Rugged: ripples in both directions on top of a valley, with many local minima. Global minimum 0 at (1, 1).",
            "ko": "울퉁불퉁한 함수: 골짜기 위에 양방향 물결이 겹쳐 지역 최소값이 많습니다. 전역 최소값은 (1, 1)에서 0입니다.",
        },
    },
    "mccormick": {
        "label": {"en": "McCormick function", "ko": "매코믹 함수"},
        "help": {
            "en": "Two basins separated by one saddle point: the global minimum −1.9132 and a local minimum 1.2284.",
            "ko": "안장점 하나로 나뉜 두 분지: 전역 최소값 −1.9132와 지역 최소값 1.2284가 있습니다.",
        },
    },
    "saddle": {
        "label": {"en": "Saddle x² − y²", "ko": "안장면 x² − y²"},
        "help": {
            "en": "The classic saddle point at the origin, unbounded below. Gradient descent started exactly on y = 0 stalls at the saddle; any noise lets it escape.",
            "ko": "원점에 전형적인 안장점이 있고 아래로 한없이 내려갑니다. 정확히 y = 0에서 출발한 경사 하강법은 안장점에서 멈추고, 약간의 잡음만 있어도 빠져나갑니다.",
        },
    },
    "monkey_saddle": {
        "label": {"en": "Monkey saddle", "ko": "원숭이 안장"},
        "help": {
            "en": "A degenerate saddle: gradient and Hessian both vanish at the origin, so escaping it is slow. Unbounded below.",
            "ko": "퇴화된 안장점: 원점에서 기울기와 헤세 행렬이 모두 0이라 빠져나가기가 느립니다. 아래로 한없이 내려갑니다.",
        },
    },
    "ill_conditioned": {
        "label": {"en": "Ill-conditioned quadratic", "ko": "조건수가 나쁜 이차 함수"},
        "help": {
            "en": "½(x² + κy²) with condition number κ. Gradient descent converges only if lr·κ < 2 and zigzags across the steep direction; momentum helps.",
            "ko": "조건수가 κ인 ½(x² + κy²)입니다. 경사 하강법은 학습률·κ < 2일 때만 수렴하고 가파른 방향으로 지그재그로 움직입니다. 모멘텀이 도움이 됩니다.",
        },
    },
    "double_well": {
        "label": {"en": "Double well", "ko": "이중 우물"},
        "help": {
            "en": "Two equal minima at (±1, 0) with a saddle point between them at the origin. Bounded, safe in class.",
            "ko": "(±1, 0)에 같은 값의 최소값 두 개가 있고 그 사이 원점에 안장점이 있습니다. 값이 유계라서 수업에서 안전합니다.",
        },
    },
    "saddle_two_minima": {
        "label": {"en": "Saddle between two minima", "ko": "두 최소값 사이의 안장점"},
        "help": {
            "en": "A saddle at the origin between two minima at (0, ±1): a start on y = 0 leads to the saddle, not to a minimum.",
            "ko": "(0, ±1)의 두 최소값 사이 원점에 안장점이 있습니다. y = 0 위에서 출발하면 최소값이 아니라 안장점으로 갑니다.",
        },
    },
    "distill_banana": {
        "label": {"en": "Distill's banana", "ko": "Distill 바나나 함수"},
        "help": {
            "en": 'The curved valley of Distill\'s "Why Momentum Really Works"; minimum 0 at (1, 1/3).',
            "ko": 'Distill의 "Why Momentum Really Works"에 나오는 휘어진 골짜기입니다. 최소값은 (1, 1/3)에서 0입니다.',
        },
    },
    "tilted_double_well": {
        "label": {"en": "Tilted double well", "ko": "기울어진 이중 우물"},
        "help": {
            "en": "A shallow local minimum near x = 0.96 and the global minimum near x = −1.04 with a saddle between them: plain gradient descent stays in the local minimum, momentum rolls through.",
            "ko": "x ≈ 0.96 근처의 얕은 지역 최소값과 x ≈ −1.04 근처의 전역 최소값 사이에 안장점이 있습니다. 일반 경사 하강법은 지역 최소값에 머물고, 모멘텀은 굴러서 넘어갑니다.",
        },
    },
}
