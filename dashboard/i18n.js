// The dashboard's words, Vietnamese (default) and English: one catalog,
// and the one place that turns a key, a number or a date into text in the
// chosen language (whatever the browser's own locale is).
export const I18N = {
  vi: {
    title: "Tuyên truyền phòng, chống mua bán người",
    lang: "English",
    signInTitle: "Đăng nhập",
    signInIntro: "Dùng tài khoản do cơ quan cấp để xem và nhập số liệu.",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    totp: "Mã xác thực (6 số)",
    totpHint: "Mã gồm 6 chữ số trong ứng dụng xác thực trên điện thoại của bạn, hoặc một mã dự phòng đã in ra giấy.",
    signIn: "Đăng nhập",
    signingIn: "Đang đăng nhập…",
    sso: "Đăng nhập bằng tài khoản một cửa",
    errSso_state: "Phiên đăng nhập một cửa đã hết hạn hoặc không hợp lệ. Vui lòng bấm \"Đăng nhập bằng tài khoản một cửa\" lại.",
    errSso_provider: "Hệ thống đăng nhập một cửa không xác nhận được việc đăng nhập. Vui lòng thử lại.",
    errSso_no_account: "Tài khoản một cửa này chưa được cấp quyền vào hệ thống. Vui lòng liên hệ người quản trị.",
    errSso_disabled: "Tài khoản này đã bị khoá. Vui lòng liên hệ người quản trị.",
    tokenToggle: "Dùng mã truy cập (màn hình trình chiếu)",
    token: "Mã truy cập",
    use: "Sử dụng",
    tokenNote: "Mã chỉ được giữ trong thẻ trình duyệt này và mất khi đóng thẻ.",
    needUsername: "Vui lòng nhập tên đăng nhập.",
    needPassword: "Vui lòng nhập mật khẩu.",
    needTotp: "Vui lòng nhập mã xác thực gồm 6 chữ số (hoặc một mã dự phòng).",
    needToken: "Vui lòng dán mã truy cập.",
    signedOut: "Bạn đã đăng xuất.",
    signOut: "Đăng xuất",
    whoToken: "Mã truy cập",
    roles: { admin: "quản trị", agency: "nhập liệu", viewer: "xem số liệu", public: "xem số liệu đã công bố" },
    changePasswordTitle: "Đổi mật khẩu",
    changePasswordIntro: "Mật khẩu của bạn vừa được đặt lại. Vui lòng đặt mật khẩu mới trước khi làm việc tiếp.",
    currentPassword: "Mật khẩu hiện tại",
    newPassword: "Mật khẩu mới",
    newPasswordHint: "Ít nhất 12 ký tự. Một câu ngắn dễ nhớ là mật khẩu tốt.",
    confirmPassword: "Nhập lại mật khẩu mới",
    changePassword: "Đổi mật khẩu",
    needCurrentPassword: "Vui lòng nhập mật khẩu hiện tại.",
    needNewPassword: "Vui lòng nhập mật khẩu mới.",
    passwordMismatch: "Hai lần nhập mật khẩu mới không giống nhau.",
    passwordTooShort: "Mật khẩu mới phải có ít nhất 12 ký tự.",
    passwordTooLong: "Mật khẩu mới không được dài quá 256 ký tự.",
    passwordTooCommon: "Mật khẩu này quá phổ biến, dễ bị đoán ra. Vui lòng chọn mật khẩu khác.",
    passwordTooSimple: "Mật khẩu mới cần có nhiều hơn ba ký tự khác nhau.",
    passwordHasUsername: "Mật khẩu mới không được chứa tên đăng nhập.",
    passwordSameAsOld: "Mật khẩu mới phải khác mật khẩu hiện tại.",
    passwordInvalid: "Mật khẩu mới chưa đạt yêu cầu. Vui lòng chọn mật khẩu khác.",
    currentPasswordWrong: "Mật khẩu hiện tại không đúng.",
    sessionWarnIdle: "Phiên làm việc sẽ hết sau {n} phút",
    sessionWarnIdleSeconds: "Phiên làm việc sẽ hết sau {n} giây",
    sessionWarnEnd: "Phiên làm việc sẽ hết sau {n} phút. Sau đó bạn cần đăng nhập lại.",
    sessionWarnEndSeconds: "Phiên làm việc sẽ hết sau {n} giây. Sau đó bạn cần đăng nhập lại.",
    keepWorking: "Tiếp tục làm việc",
    totpOpen: "Bật xác thực hai bước",
    totpTitle: "Xác thực hai bước",
    totpRequiredNote: "Hệ thống này yêu cầu tài khoản quản trị phải dùng xác thực hai bước. Vui lòng bật xong để tiếp tục làm việc.",
    totpIntro: "Khi đăng nhập, ngoài mật khẩu bạn sẽ nhập thêm một mã 6 số do điện thoại tạo ra. Hãy cài một ứng dụng xác thực trên điện thoại (ví dụ Google Authenticator hoặc Microsoft Authenticator), mở ứng dụng và quét mã QR dưới đây.",
    totpPreparing: "Đang tạo mã QR…",
    totpQrAlt: "Mã QR để thêm tài khoản này vào ứng dụng xác thực",
    totpSecretNote: "Không quét được mã QR? Nhập khoá sau vào ứng dụng:",
    totpCode: "Mã 6 số trên ứng dụng",
    totpCodeHint: "Ứng dụng đổi mã sau mỗi 30 giây: nhập mã đang hiện.",
    totpConfirm: "Xác nhận",
    totpConfirming: "Đang kiểm tra…",
    totpLater: "Để sau, quay lại bảng số liệu",
    needTotpCode: "Vui lòng nhập đủ 6 chữ số đang hiện trên ứng dụng.",
    errTotpCodeWrong: "Mã không đúng. Hãy nhập mã đang hiện trên ứng dụng; nếu vẫn sai, kiểm tra giờ trên điện thoại đã đúng chưa.",
    totpEnabled: "Đã bật xác thực hai bước.",
    recoveryTitle: "Mã dự phòng",
    recoveryIntro: "Hãy in ra hoặc chép tay 10 mã dưới đây và cất ở nơi an toàn. Khi không có điện thoại, bạn nhập một mã này thay cho mã 6 số; mỗi mã chỉ dùng được một lần.",
    recoveryOnce: "Các mã này chỉ hiện một lần, ngay bây giờ.",
    recoveryPrint: "In mã dự phòng",
    recoveryKept: "Tôi đã cất giữ mã dự phòng",
    errSignInFailed: "Tên đăng nhập hoặc mật khẩu không đúng.",
    errSignInFailedTotp: "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng.",
    errTotpRequired: "Tài khoản này cần thêm mã xác thực: nhập mã 6 số trong ứng dụng trên điện thoại.",
    errTotpWrong: "Mã xác thực không đúng hoặc đã hết hạn. Vui lòng nhập mã mới.",
    errRateLimited: "Bạn đã thử quá nhiều lần. Vui lòng đợi {n} giây rồi thử lại.",
    errRateLimitedNoWait: "Bạn đã thử quá nhiều lần. Vui lòng đợi một lát rồi thử lại.",
    errAccountDisabled: "Tài khoản này đã bị khoá. Vui lòng liên hệ người quản trị hệ thống.",
    errUnreachable: "Không kết nối được với máy chủ. Vui lòng kiểm tra mạng rồi thử lại.",
    errSessionExpired: "Phiên làm việc đã hết, vui lòng đăng nhập lại.",
    errTokenRejected: "Mã truy cập không dùng được (sai, hết hạn hoặc đã bị thu hồi).",
    errForbidden: "Tài khoản của bạn không được xem hoặc làm việc này.",
    errCsrf: "Trang đã quá cũ để gửi yêu cầu này. Vui lòng tải lại trang rồi thử lại.",
    errPasswordChangeRequired: "Bạn cần đổi mật khẩu trước khi làm việc tiếp.",
    errMfaRequired: "Tài khoản quản trị cần bật xác thực hai bước (mã 6 số) trước khi làm việc.",
    errNotFound: "Không tìm thấy dữ liệu được yêu cầu.",
    errInvalid: "Yêu cầu chưa hợp lệ. Vui lòng kiểm tra lại bộ lọc.",
    errQuota: "Đã vượt giới hạn cho phép.",
    errBusy: "Hệ thống đang bận. Vui lòng thử lại sau ít phút.",
    errServer: "Hệ thống gặp sự cố. Vui lòng thử lại sau.",
    errUnknown: "Có lỗi xảy ra (mã {status}). Vui lòng thử lại.",
    filters: "Bộ lọc",
    from: "Từ ngày",
    to: "Đến ngày",
    agency: "Cơ quan",
    area: "Địa bàn",
    areaSearch: "Tìm địa bàn theo tên",
    areaClear: "Bỏ chọn địa bàn",
    topic: "Chủ đề",
    targetGroup: "Đối tượng",
    kind: "Hình thức",
    all: "Tất cả",
    apply: "Xem số liệu",
    loading: "Đang tải…",
    loaded: "Đã cập nhật số liệu.",
    lockedNote: "Kỳ đã khoá sổ trong khoảng thời gian này: {periods}. Số liệu đã ký là bản công bố của kỳ; số liệu dưới đây là số liệu hiện thời, có thể khác khi dữ liệu của các kỳ trước thay đổi.",
    lockedShow: "Xem bản công bố",
    liveNote: "Đây là số liệu hiện thời của {periods}, kỳ đã khoá sổ: có thể khác số liệu đã ký khi dữ liệu của các kỳ trước thay đổi.",
    signedNote: "Số liệu {period} đã khoá sổ và đã công bố: bảng dưới đây là số liệu đã ký (phiên bản {version}, công bố ngày {date}). Số liệu hiện thời có thể khác.",
    liveShow: "Xem số liệu hiện thời",
    monthName: "tháng {m}/{y}",
    quarterName: "quý {q}/{y}",
    yearName: "năm {y}",
    error: "Lỗi",
    byAgency: "Theo cơ quan",
    byKind: "Theo hình thức",
    byMonth: "Theo tháng",
    overlap: "Người được định danh mà nhiều cơ quan cùng tiếp cận",
    frequency: "Số lần mỗi người được định danh được tiếp cận",
    byArea: "Theo địa bàn",
    byTarget: "Theo đối tượng",
    byProvince: "Theo tỉnh, thành phố",
    back: "Quay lại cấp tỉnh",
    reportHtml: "Báo cáo để in (HTML)",
    reportMd: "Báo cáo (Markdown)",
    csv: "Tải CSV",
    total: "Toàn tỉnh (không tính trùng)",
    events: "Hoạt động",
    sessions: "Buổi, lớp",
    attendances: "Lượt người tham dự",
    people: "Người được định danh",
    share: "Tỷ lệ định danh",
    range: "Số người khác nhau (ước tính)",
    mediaItems: "Tin, bài, chương trình",
    audience: "Lượt nghe, xem, đọc (ước tính)",
    summary: "Tổng quan",
    sumSessions: "Số buổi, lớp",
    sumRecords: "Từ {n} bản ghi hoạt động",
    sumAttendances: "Lượt người tham dự",
    sumAttendancesNote: "Mỗi lần một người dự một buổi là một lượt.",
    sumPeople: "Người được định danh",
    sumMedia: "Tin, bài, chương trình",
    shareOf: "{share} lượt tham dự",
    shareOfFloor: "ít nhất {share} lượt tham dự",
    shareFloorTitle: "Tỷ lệ tối thiểu: với bản ghi gồm nhiều buổi, mỗi người được định danh chỉ tính một lần, nên tỷ lệ thực tế có thể cao hơn.",
    rangeBoth: "ước tính từ {min} đến {max} người khác nhau",
    rangeOne: "tổng cộng {n} người khác nhau",
    rangeMax: "ước tính không quá {n} người khác nhau",
    rangeMaxCell: "không quá {n}",
    peopleLine: "{n} người được định danh",
    audienceLine: "ước tính {n} lượt người nghe, xem, đọc",
    notAttendance: "không tính vào lượt tham dự",
    mediaLine: "Tin, bài, chương trình: {n} — ước tính {audience} lượt người nghe, xem, đọc (không tính vào lượt tham dự).",
    peopleNote: "Người được định danh: số người khác nhau có số định danh (căn cước, mã học sinh…). Tỷ lệ định danh: lượt người được định danh trên tổng lượt tham dự; dấu ≥ là tỷ lệ tối thiểu (với bản ghi gồm nhiều buổi, mỗi người chỉ tính một lần). Số người khác nhau là khoảng ước tính, gồm cả người không được định danh.",
    mediaNote: "Tin, bài, chương trình trên loa, đài, báo, mạng xã hội và tờ rơi được tính riêng: lượt nghe, xem, đọc là số ước tính, không phải lượt tham dự, không phải số người.",
    drillCaption: "{sessions} buổi, lớp trong {events} bản ghi",
    drillCaptionMedia: "{sessions} buổi, lớp và {items} tin, bài, chương trình trong {events} bản ghi",
    drillSum: "Cộng các bản ghi",
    drillNote: "Dòng cộng: người được định danh cộng theo từng bản ghi, nên một người dự nhiều bản ghi được tính nhiều lần. Số người khác nhau của cả dòng ghi ở trên.",
    firstTime: "Người lần đầu",
    cumulative: "Lũy kế người",
    month: "Tháng",
    agencies: "Các cơ quan",
    nEvents: "Số bản ghi hoạt động đã dự",
    tenPlus: "10 trở lên",
    meanNote: "Trung bình mỗi người được định danh dự {n} bản ghi hoạt động.",
    sumNote: "Số người không được cộng giữa các dòng: một người có thể ở nhiều dòng. Dòng tổng do hệ thống tính, không tính trùng.",
    drill: "Các bản ghi hoạt động đằng sau con số",
    drillNone: "Không có hoạt động nào.",
    close: "Đóng",
    hiddenReports: "{n} báo cáo của cơ quan khác",
    publications: "Số liệu đã công bố",
    version: "phiên bản",
    withheld: "không công bố",
    withheldNote: "Ô \"không công bố\" được giữ lại để không thể suy ra số nhỏ.",
    noPublications: "Chưa có số liệu nào được công bố.",
    choosePublication: "Chọn bản công bố",
    kinds: {
      training_class: "Lớp tập huấn", community_meeting: "Họp dân", campaign_launch: "Phát động phong trào",
      law_dissemination: "Phổ biến pháp luật", integrated_lesson: "Tiết dạy lồng ghép", extracurricular: "Ngoại khóa",
      media_broadcast: "Phát thanh, truyền hình", home_visit: "Thăm hộ gia đình", loudspeaker: "Loa truyền thanh cơ sở",
      printed_materials: "Tờ rơi, áp phích, pa nô", online_post: "Tin, bài trên mạng", other: "Khác"
    },
    topics: {
      human_trafficking: "Mua bán người", drug_prevention: "Ma túy", crime_prevention: "Phòng chống tội phạm",
      social_evils: "Tệ nạn xã hội", gender_equality: "Bình đẳng giới", child_protection: "Bảo vệ trẻ em",
      safe_migration: "Di cư an toàn", other: "Khác"
    },
    targetGroups: {
      students: "Học sinh, sinh viên", women: "Phụ nữ", girls: "Trẻ em gái", youth: "Thanh niên",
      ethnic_minorities: "Đồng bào dân tộc thiểu số", migrant_workers: "Lao động di cư", general_public: "Người dân",
      officials: "Cán bộ", returnees: "Người trở về"
    }
  },
  en: {
    title: "Anti-human-trafficking outreach",
    lang: "Tiếng Việt",
    signInTitle: "Sign in",
    signInIntro: "Use the account your agency gave you to read and enter figures.",
    username: "Username",
    password: "Password",
    totp: "Verification code (6 digits)",
    totpHint: "The 6-digit code in the authenticator app on your phone, or one of your recovery codes on paper.",
    signIn: "Sign in",
    signingIn: "Signing in…",
    sso: "Sign in with the one-stop account",
    errSso_state: "The one-stop sign-in expired or is not valid. Please choose \"Sign in with the one-stop account\" again.",
    errSso_provider: "The one-stop sign-in could not be confirmed. Please try again.",
    errSso_no_account: "This one-stop account has not been given access. Please contact the administrator.",
    errSso_disabled: "This account is disabled. Please contact the administrator.",
    tokenToggle: "Use an access token (display screen)",
    token: "Access token",
    use: "Use",
    tokenNote: "The token is kept in this browser tab only and is gone when the tab closes.",
    needUsername: "Please enter your username.",
    needPassword: "Please enter your password.",
    needTotp: "Please enter the 6-digit verification code (or a recovery code).",
    needToken: "Please paste the access token.",
    signedOut: "You have signed out.",
    signOut: "Sign out",
    whoToken: "Access token",
    roles: { admin: "administrator", agency: "data entry", viewer: "viewer", public: "published figures" },
    changePasswordTitle: "Change password",
    changePasswordIntro: "Your password has just been reset. Please choose a new one before going on.",
    currentPassword: "Current password",
    newPassword: "New password",
    newPasswordHint: "At least 12 characters. A short sentence you remember makes a good password.",
    confirmPassword: "New password again",
    changePassword: "Change password",
    needCurrentPassword: "Please enter your current password.",
    needNewPassword: "Please enter a new password.",
    passwordMismatch: "The two new passwords are not the same.",
    passwordTooShort: "The new password must have at least 12 characters.",
    passwordTooLong: "The new password must have at most 256 characters.",
    passwordTooCommon: "This password is too common and easy to guess. Please choose another.",
    passwordTooSimple: "The new password needs more than three different characters.",
    passwordHasUsername: "The new password must not contain the username.",
    passwordSameAsOld: "The new password must differ from the current one.",
    passwordInvalid: "The new password is not accepted. Please choose another.",
    currentPasswordWrong: "The current password is wrong.",
    sessionWarnIdle: "Your session ends in {n} min",
    sessionWarnIdleSeconds: "Your session ends in {n} s",
    sessionWarnEnd: "Your session ends in {n} min. You will then need to sign in again.",
    sessionWarnEndSeconds: "Your session ends in {n} s. You will then need to sign in again.",
    keepWorking: "Keep working",
    totpOpen: "Turn on two-step verification",
    totpTitle: "Two-step verification",
    totpRequiredNote: "This service requires administrator accounts to use two-step verification. Please turn it on to go on working.",
    totpIntro: "When you sign in, you will type a 6-digit code made by your phone as well as your password. Install an authenticator app on your phone (such as Google Authenticator or Microsoft Authenticator), open it and scan the QR code below.",
    totpPreparing: "Making the QR code…",
    totpQrAlt: "QR code that adds this account to the authenticator app",
    totpSecretNote: "Cannot scan the QR code? Type this key into the app:",
    totpCode: "6-digit code from the app",
    totpCodeHint: "The app shows a new code every 30 seconds: type the one shown now.",
    totpConfirm: "Confirm",
    totpConfirming: "Checking…",
    totpLater: "Not now, back to the figures",
    needTotpCode: "Please type the 6 digits the app shows now.",
    errTotpCodeWrong: "That code is not right. Type the code the app shows now; if it is still refused, check that the phone's clock is right.",
    totpEnabled: "Two-step verification is on.",
    recoveryTitle: "Recovery codes",
    recoveryIntro: "Print or write down the 10 codes below and keep them somewhere safe. Without your phone, type one of them in place of the 6-digit code; each code works once only.",
    recoveryOnce: "These codes are shown only once, now.",
    recoveryPrint: "Print the recovery codes",
    recoveryKept: "I have kept the recovery codes",
    errSignInFailed: "Wrong username or password.",
    errSignInFailedTotp: "Wrong username, password or verification code.",
    errTotpRequired: "This account needs a verification code too: enter the 6 digits shown in the app on your phone.",
    errTotpWrong: "The verification code is wrong or has expired. Please enter a new one.",
    errRateLimited: "Too many tries. Please wait {n} seconds and try again.",
    errRateLimitedNoWait: "Too many tries. Please wait a moment and try again.",
    errAccountDisabled: "This account is disabled. Please contact the administrator.",
    errUnreachable: "The server cannot be reached. Please check the network and try again.",
    errSessionExpired: "Your session has ended, please sign in again.",
    errTokenRejected: "The access token cannot be used (wrong, expired or revoked).",
    errForbidden: "Your account may not see or do this.",
    errCsrf: "The page is too old to send this. Please reload it and try again.",
    errPasswordChangeRequired: "You need to change your password before going on.",
    errMfaRequired: "Administrator accounts must turn on two-step verification (6-digit codes) before going on.",
    errNotFound: "The requested data was not found.",
    errInvalid: "The request is not valid. Please check the filters.",
    errQuota: "Over the allowed limit.",
    errBusy: "The service is busy. Please try again in a few minutes.",
    errServer: "The service has a problem. Please try again later.",
    errUnknown: "Something went wrong (code {status}). Please try again.",
    filters: "Filters",
    from: "From",
    to: "To",
    agency: "Agency",
    area: "Area",
    areaSearch: "Search an area by name",
    areaClear: "Clear the area",
    topic: "Topic",
    targetGroup: "Target group",
    kind: "Kind",
    all: "All",
    apply: "Show figures",
    loading: "Loading…",
    loaded: "Figures updated.",
    lockedNote: "Locked periods in this range: {periods}. The signed figures are the period's publication; the figures below are live and may differ when earlier periods' data change.",
    lockedShow: "See the publication",
    liveNote: "These are the live figures of {periods}, a locked period: they may differ from the signed figures when earlier periods' data change.",
    signedNote: "{period} is locked and published: the tables below are the signed figures (version {version}, published {date}). The live figures may differ.",
    liveShow: "See the live figures",
    monthName: "{m}/{y}",
    quarterName: "Q{n} {y}",
    yearName: "{y}",
    error: "Error",
    byAgency: "By agency",
    byKind: "By kind",
    byMonth: "By month",
    overlap: "Identified people reached by several agencies",
    frequency: "How often identified people were reached",
    byArea: "By area",
    byTarget: "By target group",
    byProvince: "By province",
    back: "Back to provinces",
    reportHtml: "Printable report (HTML)",
    reportMd: "Report (Markdown)",
    csv: "Download CSV",
    total: "Province (no double counting)",
    events: "Activities",
    sessions: "Sessions",
    attendances: "Person-times",
    people: "Identified people",
    share: "Identified share",
    range: "Different people (estimate)",
    mediaItems: "Media items",
    audience: "Audience (estimate)",
    summary: "Overview",
    sumSessions: "Sessions held",
    sumRecords: "From {n} activity records",
    sumAttendances: "Person-times of attendance",
    sumAttendancesNote: "One person at one session is one person-time.",
    sumPeople: "Identified people",
    sumMedia: "Media items",
    shareOf: "{share} of person-times",
    shareOfFloor: "at least {share} of person-times",
    shareFloorTitle: "At least: in a record of several sessions each identified person counts once, so the true share may be higher.",
    rangeBoth: "an estimated {min} to {max} different people",
    rangeOne: "{n} different people in all",
    rangeMax: "at most an estimated {n} different people",
    rangeMaxCell: "at most {n}",
    peopleLine: "{n} identified people",
    audienceLine: "an estimated audience of {n}",
    notAttendance: "not counted as attendance",
    mediaLine: "Media items: {n} — an estimated audience of {audience} (not counted as attendance).",
    peopleNote: "Identified people: different persons with an identifier (ID card, student number…). Identified share: identified person-times over all person-times; ≥ marks a lower bound (in a record of several sessions each person counts once). Different people is an estimated range that includes people not identified.",
    mediaNote: "Loudspeaker, radio, TV, press, online and printed items are counted apart: their audience is an estimate, not attendance and not people.",
    drillCaption: "{sessions} sessions in {events} records",
    drillCaptionMedia: "{sessions} sessions and {items} media items in {events} records",
    drillSum: "Sum of the records",
    drillNote: "Sum row: identified people are added record by record, so a person at several records counts several times. The row's different people are given above.",
    firstTime: "First-time people",
    cumulative: "Cumulative people",
    month: "Month",
    agencies: "Agencies",
    nEvents: "Activity records attended",
    tenPlus: "10 or more",
    meanNote: "On average each identified person attended {n} activity records.",
    sumNote: "People are never added across rows: one person may be in several rows. The total row is computed by the service, without double counting.",
    drill: "The activity records behind the figure",
    drillNone: "No activity.",
    close: "Close",
    hiddenReports: "{n} reports by other agencies",
    publications: "Published figures",
    version: "version",
    withheld: "withheld",
    withheldNote: "\"Withheld\" cells are kept back so that small counts cannot be worked out.",
    noPublications: "Nothing has been published yet.",
    choosePublication: "Choose a publication",
    kinds: {
      training_class: "Training class", community_meeting: "Community meeting", campaign_launch: "Campaign launch",
      law_dissemination: "Law dissemination", integrated_lesson: "Integrated lesson", extracurricular: "Extracurricular",
      media_broadcast: "Radio and TV broadcast", home_visit: "Home visit", loudspeaker: "Village loudspeaker",
      printed_materials: "Leaflets, posters, billboards", online_post: "Online news and posts", other: "Other"
    },
    topics: {
      human_trafficking: "Human trafficking", drug_prevention: "Drug prevention", crime_prevention: "Crime prevention",
      social_evils: "Social evils", gender_equality: "Gender equality", child_protection: "Child protection",
      safe_migration: "Safe migration", other: "Other"
    },
    targetGroups: {
      students: "Students", women: "Women", girls: "Girls", youth: "Youth", ethnic_minorities: "Ethnic minorities",
      migrant_workers: "Migrant workers", general_public: "General public", officials: "Officials", returnees: "Returnees"
    }
  }
};

let lang = "vi";

/** The chosen language: "vi" (the default) or "en". */
export const getLang = () => lang;

export function setLang(l) {
  lang = I18N[l] ? l : "vi";
  document.documentElement.lang = lang;
}

/** The text of `key` in the chosen language (Vietnamese when missing), its
 * `{name}` places filled from `args`. Tables (kinds, roles…) come back whole. */
export function t(key, args) {
  const v = I18N[lang][key] ?? I18N.vi[key] ?? key;
  if (typeof v !== "string" || !args) return v;
  return v.replace(/\{(\w+)\}/g, (m, name) => (name in args ? String(args[name]) : m));
}

/** Shows `key` in `el` and remembers it, so that a language switch
 * (translatePage) says it again in the other language; no key hides it. */
export function say(el, key, args) {
  if (!key) {
    delete el.dataset.i18n;
    delete el.dataset.i18nArgs;
    el.textContent = "";
    el.hidden = true;
    return;
  }
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args); else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  el.hidden = false;
}

/** Every element with `data-i18n` says its key in the chosen language (and
 * every image with `data-i18n-alt` its text alternative). */
export function translatePage() {
  document.title = t("title");
  document.querySelectorAll("[data-i18n]").forEach((e) => {
    e.textContent = t(e.dataset.i18n, e.dataset.i18nArgs ? JSON.parse(e.dataset.i18nArgs) : undefined);
  });
  document.querySelectorAll("[data-i18n-alt]").forEach((e) => {
    e.alt = t(e.dataset.i18nAlt);
  });
}

/** A number as people read it here: 6.770 in Vietnamese, 6,770 in English. */
export function fmt(n, digits) {
  if (n === null || n === undefined) return "–";
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-US", digits === undefined ? {} : { maximumFractionDigits: digits })
    .format(n);
}

/** A date (YYYY-MM-DD): 01/07/2024 in Vietnamese, 2024-07-01 in English. */
export function fmtDate(iso) {
  const [y, m, d] = iso.split("-");
  return lang === "vi" ? `${d}/${m}/${y}` : `${y}-${m}-${d}`;
}

/** A month (YYYY-MM): 07/2024 in Vietnamese, 2024-07 in English. */
export function fmtMonth(p) {
  const [y, m] = p.split("-");
  return lang === "vi" ? `${m}/${y}` : p;
}

/** A share (0 to 1) as a percentage, as the report writes it: one decimal
 * below 10%, else whole ("4,2%", "18%" in Vietnamese; "4.2%" in English). */
export function fmtShare(share) {
  if (share === null || share === undefined) return "–";
  const pct = share * 100;
  const digits = pct < 10 ? 1 : 0;
  const text = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-US",
    { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(digits ? Math.round(pct * 10) / 10 : Math.round(pct));
  return text + "%";
}
